using Akka.Actor;
using Akka.Event;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Runtime;

/// <summary>Stage actor to its node agent: how many logical-worker items it just computed and in how long.</summary>
public sealed record StageThroughput(long Items, double Seconds);

/// <summary>One per node (<c>/user/agent</c>): hosts the stage actors of the jobs placed here, reports telemetry and
/// throughput to the coordinator, and keeps replicated job checkpoints for coordinator fail-over.</summary>
public sealed class NodeAgent : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _coordinator;
    private readonly string _node;
    private readonly TimeSpan _interval;
    private readonly TelemetryCollector _telemetry;
    private readonly Dictionary<string, IActorRef> _stages = [];
    private readonly ReplicaStore _replicas;
    private readonly int _retainedJobs = DataflowSettings.Get(Context.System).RetainedJobs;
    private readonly Dictionary<string, string> _stageErrors = [];
    private double _throughput;

    /// <summary>Creates the agent; <paramref name="coordinator"/> is the singleton proxy; <paramref name="replicas"/>
    /// outlives the actor system when the host restarts it.</summary>
    public NodeAgent(IActorRef coordinator, TimeSpan telemetryInterval, TelemetryCollector telemetry, ReplicaStore replicas)
    {
        _replicas = replicas;
        _coordinator = coordinator;
        _telemetry = telemetry;
        _interval = telemetryInterval;
        _node = telemetry.Node;

        Receive<EnsureStage>(e =>
        {
            if (_stages.ContainsKey(e.Spec.JobId))
            {
                return;
            }
            try
            {
                var workload = Workloads.Find(e.Spec.Workload)
                    ?? throw new InvalidOperationException($"unknown workload '{e.Spec.Workload}'");
                var stage = Context.ActorOf(workload.StageProps(e.Spec, _node), "stage-" + Uri.EscapeDataString(e.Spec.JobId));
                Context.Watch(stage);
                _stages[e.Spec.JobId] = stage;
                _stageErrors.Remove(e.Spec.JobId);
            }
            catch (Exception ex)
            {
                var error = ex.InnerException?.Message ?? ex.Message;
                _log.Error(ex, "job {0}: cannot start its stage on {1}", e.Spec.JobId, _node);
                _stageErrors[e.Spec.JobId] = error;
                Sender.Tell(new StageUnavailable(e.Spec.JobId, _node, error));
            }
        });
        Receive<IStageMessage>(m =>
        {
            if (_stages.TryGetValue(m.JobId, out var stage))
            {
                stage.Forward(m);
            }
            else if (_stageErrors.TryGetValue(m.JobId, out var error))
            {
                Sender.Tell(new StageUnavailable(m.JobId, _node, error));
            }
            else
            {
                _log.Warning("job {0}: no stage on {1} for {2}", m.JobId, _node, m.GetType().Name);
            }
        });
        Receive<StopStage>(s =>
        {
            _replicas.Drop(s.JobId);
            _stageErrors.Remove(s.JobId);
            _telemetry.RemoveJob(s.JobId);
            if (_stages.Remove(s.JobId, out var stage))
            {
                Context.Unwatch(stage);
                Context.Stop(stage);
            }
        });
        Receive<Terminated>(t =>
        {
            foreach (var (job, stage) in _stages.Where(kv => kv.Value.Equals(t.ActorRef)).ToArray())
            {
                _stages.Remove(job);
            }
        });
        Receive<ReplicateCheckpoint>(_replicas.Keep);
        Receive<ReplicateJobRecord>(r => _replicas.Keep(r.Record, _retainedJobs));
        Receive<ListRecoverableJobs>(_ => Sender.Tell(_replicas.Snapshot()));
        Receive<StageThroughput>(t =>
        {
            if (t.Seconds > 0 && t.Items > 0)
            {
                // Exponentially weighted: placement follows sustained speed, not one noisy step.
                var measured = t.Items / t.Seconds;
                _throughput = _throughput == 0 ? measured : 0.7 * _throughput + 0.3 * measured;
            }
        });
        Receive<ReportTick>(_ => Report());
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the agent.</summary>
    public static Props Props(IActorRef coordinator, TimeSpan telemetryInterval, TelemetryCollector telemetry,
        ReplicaStore replicas) =>
        Akka.Actor.Props.Create(() => new NodeAgent(coordinator, telemetryInterval, telemetry, replicas));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Report();
        Timers.StartPeriodicTimer("report", new ReportTick(), _interval);
    }

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1),
            localOnlyDecider: _ => Directive.Restart);

    private void Report() =>
        _coordinator.Tell(new NodeReport(_node, _throughput, Environment.ProcessorCount, _telemetry.Snapshot()));

    private sealed record ReportTick;
}
