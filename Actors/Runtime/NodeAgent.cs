using Akka.Actor;
using Akka.Event;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Runtime;

/// <summary>Stage actor to its node agent: how many logical-worker items it just computed and in how long.</summary>
public sealed record StageThroughput(long Items, double Seconds);

/// <summary>One per node (<c>/user/agent</c>): hosts the stage actors of the jobs placed here, reports telemetry and
/// throughput to the coordinator, keeps replicated job checkpoints for coordinator fail-over, and sends clients the
/// files jobs left under this node's work directory.</summary>
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
    private readonly Dictionary<string, IActorRef> _stageDrivers = [];
    private readonly Dictionary<IActorRef, string> _stageFailures = [];
    private readonly string _workDirectory = DataflowSettings.Get(Context.System).WorkDir;
    private readonly long _fileReplyBytes = FileReplyBytes(Context.System);
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
            if (!Sender.IsNobody())
            {
                _stageDrivers[e.Spec.JobId] = Sender;
            }
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
            // The stage may be inside a kernel, which sees no stop until it returns: cancel the kernel itself.
            StageCancellation.Get(Context.System).Cancel(s.JobId);
            _replicas.Drop(s.JobId);
            _stageErrors.Remove(s.JobId);
            _stageDrivers.Remove(s.JobId);
            _telemetry.RemoveJob(s.JobId);
            if (_stages.Remove(s.JobId, out var stage))
            {
                Context.Unwatch(stage);
                Context.Stop(stage);
            }
        });
        Receive<Terminated>(t =>
        {
            _stageFailures.Remove(t.ActorRef, out var failure);
            foreach (var (job, stage) in _stages.Where(kv => kv.Value.Equals(t.ActorRef)).ToArray())
            {
                // Not stopped by StopStage: it could not start, or kept failing. Its job cannot go on here; say why.
                _stages.Remove(job);
                var error = failure ?? "its stage failed repeatedly and was stopped";
                _stageErrors[job] = error;
                _log.Info("job {0}: its stage on {1} stopped: {2}", job, _node, error);
                if (_stageDrivers.TryGetValue(job, out var driver))
                {
                    driver.Tell(new StageUnavailable(job, _node, error));
                }
            }
        });
        Receive<ReplicateCheckpoint>(_replicas.Keep);
        Receive<ReplicateJobRecord>(r => _replicas.Keep(r.Record, _retainedJobs));
        Receive<ListRecoverableJobs>(_ => Sender.Tell(_replicas.Snapshot()));
        Receive<FetchJobFiles>(f =>
        {
            // Up to a frame of reads: off the mailbox, so that stages and telemetry go on meanwhile.
            var (workDirectory, node, limit) = (_workDirectory, _node, _fileReplyBytes);
            Task.Run(() =>
            {
                try
                {
                    return JobFiles.ReadKept(workDirectory, node, f, limit);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new JobFilesReply(f.JobId, node, [], [], [], 0, $"{node} cannot read the job's files: {e.Message}");
                }
            }).PipeTo(Sender);
        });
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
    /// <remarks>A stage whose constructor throws (bad input, an unreadable file) would throw again on every restart:
    /// it is stopped at once and its driver told why, in one line rather than a stack trace per restart. A stage that
    /// throws while it computes is restarted, with its stack trace logged.</remarks>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(10, (int)TimeSpan.FromMinutes(1).TotalMilliseconds, e =>
        {
            if (e is ActorInitializationException { Actor: { } stage } init)
            {
                _stageFailures[stage] = CauseOf(init).Message;
                return Directive.Stop;
            }
            _log.Error(e, "a stage on {0} failed; restarting it", _node);
            return Directive.Restart;
        }, loggingEnabled: false);

    /// <summary>The actor's own exception inside the wrappers of a failed creation (Akka's, reflection's), so that the
    /// message names the cause (a file and what is wrong with it) rather than the actor type.</summary>
    internal static Exception CauseOf(Exception e)
    {
        while (e is ActorInitializationException or System.Reflection.TargetInvocationException or TypeLoadException
                   or TypeInitializationException
               && e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }

    private const string FrameSizeKey = "akka.remote.dot-netty.tcp.maximum-frame-size";

    /// <summary>What one <see cref="JobFilesReply"/> may carry: a remoting frame less 64 KiB for its envelope.</summary>
    internal static long FileReplyBytes(ActorSystem system) =>
        Math.Max(1, (system.Settings.Config.GetByteSize(FrameSizeKey) ?? 64L * 1024 * 1024) - 64 * 1024);

    private void Report() =>
        _coordinator.Tell(new NodeReport(_node, _throughput, Environment.ProcessorCount, _telemetry.Snapshot()));

    private sealed record ReportTick;
}
