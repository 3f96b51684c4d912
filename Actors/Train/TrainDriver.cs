using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Scheduling;
using Dataflow.Kernels.Train;

namespace Dataflow.Actors.Train;

/// <summary>Drives one <c>train</c> job: owns parameters, optimiser and logical-worker states, places the logical
/// workers over the compute nodes, reduces their gradients in logical order and checkpoints.</summary>
/// <remarks>
/// A step's gradient of logical worker w depends only on (parameters, w's state), never on where it ran,
/// so any placement gives the same bits. On a membership change the driver checkpoints its last completed
/// step, re-places, and re-issues the step; replies of the old placement generation are ignored. On a
/// failed stage or a timed-out step it resumes from the last checkpoint.
/// </remarks>
public sealed class TrainDriver : ReceiveActor, IWithTimers
{
    private const int MaxStageFailures = 5;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JobSpec _spec;
    private readonly TrainJobSpec _job;
    private readonly CheckpointHolder _holder;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<int, WorkerGradient> _pending = [];
    private ArrivalOrderAccumulator? _arrival;
    private LogicalOrderAccumulator? _logical;
    private readonly TimeSpan _stepTimeout;
    private readonly StageTelemetry _telemetry;
    private IActorRef _client;
    private TrainCheckpoint _state;
    private ComputeNode[] _nodes = [];
    private int[] _placement = [];
    private int _generation;
    private int _placementChanges;
    private readonly double _secondsBefore;
    private int _stageFailures;
    private double _lastLoss = double.NaN;

    /// <summary>Creates the driver; <paramref name="holder"/> survives restarts and holds the last checkpoint.</summary>
    public TrainDriver(JobSpec spec, IActorRef client, CheckpointHolder holder)
    {
        _spec = spec;
        _job = Workload.Decode<TrainJobSpec>(spec);
        _client = client;
        _holder = holder;
        _state = holder.Bytes is { } bytes ? TrainCheckpoint.FromBytes(bytes) : TrainLoop.Initial(_job.Settings);
        _placementChanges = holder.PlacementChanges;
        _secondsBefore = holder.Seconds;
        _stepTimeout = Context.System.Settings.Config.GetTimeSpan("dataflow.step-timeout", TimeSpan.FromSeconds(60));

        _telemetry = new StageTelemetry(spec.JobId, "driver", "driver",
            JobCoordinator.Key(Akka.Cluster.Cluster.Get(Context.System).SelfAddress));
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<NodesChanged>(OnNodesChanged);
        Receive<TrainGradients>(OnGradients);
        Receive<TrainStageFailed>(f =>
        {
            if (f.Generation != _generation)
            {
                return;
            }
            _log.Warning("job {0}: stage on {1} failed at step {2}: {3}", _spec.JobId, f.Node, f.Step, f.Error);
            if (++_stageFailures > MaxStageFailures)
            {
                Fail($"stage on {f.Node} failed {_stageFailures} times; last error: {f.Error}");
                return;
            }
            ResumeFromCheckpoint();
        });
        Receive<StepTimeout>(t =>
        {
            if (t.Generation == _generation)
            {
                _log.Warning("job {0}: step {1} timed out after {2}; resuming from the last checkpoint",
                    _spec.JobId, _state.Step + 1, _stepTimeout);
                ResumeFromCheckpoint();
            }
        });
        Receive<WatchJob>(w => _client = w.Client);
        Receive<StageUnavailable>(u => Fail($"its stage cannot run on {u.Node}: {u.Error}"));
        Receive<CancelJob>(c => Fail($"cancelled: {c.Reason}"));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (_holder.Bytes is not null)
        {
            _log.Info("job {0}: resuming from the step-{1} checkpoint", _spec.JobId, _state.Step);
        }
    }

    /// <inheritdoc />
    protected override void PostStop() => _telemetry.Dispose();

    private int LogicalWorkers => _job.Settings.LogicalWorkers;

    private double Seconds => _secondsBefore + _clock.Elapsed.TotalSeconds;

    private void OnNodesChanged(NodesChanged changed)
    {
        var sameNodes = changed.Nodes.Select(n => n.Address).SequenceEqual(_nodes.Select(n => n.Address));
        if (sameNodes && _placement.Length > 0)
        {
            _nodes = changed.Nodes;
            return;
        }
        if (_placement.Length > 0)
        {
            _placementChanges++;
        }
        _nodes = changed.Nodes;
        _pending.Clear();
        _arrival = null;
        _logical = null;
        _generation++;
        if (_nodes.Length == 0)
        {
            _placement = [];
            Progress("waiting for compute nodes");
            return;
        }
        _placement = ProportionalPlacement.Assign(LogicalWorkers, _nodes.Select(n => n.Throughput).ToArray());
        _log.Info("job {0}: placement {1}", _spec.JobId, DescribePlacement());
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(new EnsureStage(_spec));
        }
        // Membership changed (or the first placement): checkpoint the last completed step, replicated to the
        // nodes now in use, then resume from it on the new placement.
        Checkpoint();
        ReportStatus("running");
        IssueStep();
    }

    private void IssueStep()
    {
        if (_state.Step >= _job.Steps || _placement.Length == 0)
        {
            return;
        }
        for (var n = 0; n < _nodes.Length; n++)
        {
            var workers = _state.Workers.Where(w => _placement[w.WorkerId] == n).ToArray();
            if (workers.Length == 0)
            {
                continue;
            }
            Context.ActorSelection(_nodes[n].AgentPath)
                .Tell(new TrainWork(_spec.JobId, _generation, _state.Step, _state.Parameters, workers));
            _telemetry.AddBytesOut(sizeof(float) * (long)_state.Parameters.Length);
        }
        Timers.StartSingleTimer("step-timeout", new StepTimeout(_generation), _stepTimeout);
    }

    private void OnGradients(TrainGradients message)
    {
        using var busy = _telemetry.MeasureMessage();
        _telemetry.AddBytesIn(message.Gradients.Sum(g => sizeof(float) * (long)g.Gradient.Length));
        if (message.Generation != _generation || message.Step != _state.Step)
        {
            return;
        }
        foreach (var g in message.Gradients)
        {
            if (!_pending.TryAdd(g.WorkerId, g))
            {
                continue;
            }
            // Reduce while waiting for the rest: in logical order (deterministic) or, as a baseline, in arrival order.
            if (_job.Reduction == TrainReduction.ArrivalOrder)
            {
                (_arrival ??= new ArrivalOrderAccumulator(g.Gradient.Length)).Add(g);
            }
            else
            {
                (_logical ??= new LogicalOrderAccumulator(LogicalWorkers, g.Gradient.Length)).Add(g);
            }
        }
        if (_pending.Count < LogicalWorkers)
        {
            return;
        }
        Timers.Cancel("step-timeout");
        var ordered = Enumerable.Range(0, LogicalWorkers).Select(w => _pending[w]).ToArray();
        _pending.Clear();
        var mean = _arrival?.Mean() ?? _logical!.Mean();
        _state = TrainLoop.Apply(_state, mean, ordered, _job.Settings);
        _arrival = null;
        _logical = null;
        _telemetry.AddItems(1);
        _stageFailures = 0;
        var loss = 0.0;
        foreach (var g in ordered)
        {
            loss += g.Loss;
        }
        _lastLoss = loss / ordered.Length;
        Progress(null);
        if (_state.Step % _job.CheckpointEvery == 0)
        {
            Checkpoint();
        }
        if (_state.Step >= _job.Steps)
        {
            Finish();
            return;
        }
        IssueStep();
    }

    private void ResumeFromCheckpoint()
    {
        _arrival = null;
        _logical = null;
        if (_holder.Bytes is not null)
        {
            _state = TrainCheckpoint.FromBytes(_holder.Bytes);
        }
        _pending.Clear();
        _generation++;
        // A stage that failed may have been stopped by its agent: ask for it again (idempotent).
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(new EnsureStage(_spec));
        }
        IssueStep();
    }

    private void Checkpoint()
    {
        var bytes = _state.ToBytes();
        _holder.Bytes = bytes;
        _holder.PlacementChanges = _placementChanges;
        _holder.Seconds = Seconds;
        if (_job.CheckpointDirectory is { } dir)
        {
            var path = Path.Combine(dir, _spec.JobId, $"step-{_state.Step:D8}.ckpt");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _state.Save(path);
        }
        // Replicas on every node let a successor coordinator resume the job if this node dies.
        var replica = new ReplicateCheckpoint(_spec, _client, _state.Step, bytes, _placementChanges, Seconds);
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(replica);
        }
    }

    private void Finish()
    {
        var result = new Dictionary<string, object>
        {
            ["workload"] = TrainWorkload.Verb,
            ["model"] = _job.Settings.Model.ToString().ToLowerInvariant(),
            ["steps"] = _state.Step,
            ["finalLoss"] = _lastLoss,
            ["weightsSha256"] = TrainCheckpoint.WeightsSha256(_state.Parameters),
            ["logicalWorkers"] = LogicalWorkers,
            ["placementChanges"] = _placementChanges,
            ["seconds"] = Math.Round(Seconds, 3),
        };
        _client.Tell(new JobCompleted(_spec.JobId, JsonSerializer.Serialize(result)));
        End("completed");
    }

    private void Fail(string error)
    {
        _client.Tell(new JobFailed(_spec.JobId, error));
        End("failed");
    }

    private void End(string state)
    {
        ReportStatus(state);
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(new StopStage(_spec.JobId));
        }
        Context.Parent.Tell(new DriverFinished(_spec.JobId));
        Context.Stop(Self);
    }

    private void Progress(string? note)
    {
        var metrics = new Dictionary<string, double>
        {
            ["loss"] = _lastLoss,
            ["placementChanges"] = _placementChanges,
            ["nodes"] = _nodes.Length,
        };
        _client.Tell(new JobProgress(_spec.JobId, _state.Step, _job.Steps, metrics, note ?? DescribePlacement()));
        ReportStatus("running");
    }

    private void ReportStatus(string state)
    {
        var perNode = new Dictionary<string, int>();
        for (var w = 0; w < _placement.Length; w++)
        {
            var address = _nodes[_placement[w]].Address;
            perNode[address] = perNode.GetValueOrDefault(address) + 1;
        }
        Context.Parent.Tell(new DriverStatus(new JobInfo(_spec.JobId, _spec.Workload, state, _state.Step, _job.Steps,
            perNode, _placementChanges)));
    }

    private string DescribePlacement()
    {
        if (_placement.Length == 0)
        {
            return "no placement";
        }
        var counts = ProportionalPlacement.Counts(LogicalWorkers, _nodes.Select(n => n.Throughput).ToArray());
        return string.Join(" ", _nodes.Select((n, i) => $"{n.Address}:{counts[i]}"));
    }

    private sealed record StepTimeout(int Generation);
}
