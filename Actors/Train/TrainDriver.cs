using Akka.Event;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Scheduling;
using Dataflow.Kernels.Train;
using Dataflow.Train;

namespace Dataflow.Actors.Train;

/// <summary>Drives one <c>train</c> job: owns parameters, optimiser and logical-worker states, places the logical
/// workers over the compute nodes, reduces their gradients in logical order and checkpoints.</summary>
/// <remarks>
/// A step's gradient of logical worker w depends only on (parameters, w's state), never on where it ran,
/// so any placement gives the same bits. On a membership change the driver checkpoints its last completed
/// step, re-places, and re-issues the step; replies of the old placement generation are ignored. On a
/// failed stage or a timed-out step it resumes from the last checkpoint.
/// </remarks>
public sealed class TrainDriver : JobDriver
{
    private readonly TrainJobSpec _job;
    private readonly Dictionary<int, WorkerGradient> _pending = [];
    private readonly StageTelemetry _telemetry;
    private ArrivalOrderAccumulator? _arrival;
    private LogicalOrderAccumulator? _logical;
    private TrainCheckpoint _state;
    private int[] _placement = [];
    private double _lastLoss = double.NaN;

    /// <summary>Creates the driver of <paramref name="start"/>'s job, from its checkpoint when it has one.</summary>
    public TrainDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<TrainJobSpec>(Spec);
        _state = StartCheckpoint is { } bytes ? TrainCheckpoint.FromBytes(bytes) : TrainLoop.Initial(_job.Settings);
        if (StartCheckpoint is not null)
        {
            Log.Info("job {0}: resuming from the step-{1} checkpoint", JobId, _state.Step);
        }
        _telemetry = new StageTelemetry(JobId, "driver", "driver",
            JobCoordinator.Key(Akka.Cluster.Cluster.Get(Context.System).SelfAddress), Spec.Workload);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<TrainGradients>(OnGradients);
        Receive<TrainStageFailed>(f =>
        {
            if (f.Generation == Generation)
            {
                Restart($"stage on {f.Node} failed at step {f.Step}: {f.Error}");
            }
        });
    }

    /// <inheritdoc />
    protected override int MaxRestarts => 5;

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_state.Step, _job.Steps);

    /// <inheritdoc />
    protected override void PostStop() => _telemetry.Dispose();

    private int LogicalWorkers => _job.Settings.LogicalWorkers;

    /// <inheritdoc />
    protected override void OnPlaced()
    {
        ClearStep();
        _placement = Assign(LogicalWorkers);
        Log.Info("job {0}: placement {1}", JobId, DescribePlacement());
        // Membership changed (or the first placement): checkpoint the last completed step, replicated to the
        // nodes now in use, then resume from it on the new placement.
        Checkpoint();
        ReportStatus("running");
        IssueStep();
    }

    /// <inheritdoc />
    protected override void OnRestart()
    {
        ClearStep();
        if (StartCheckpoint is { } bytes)
        {
            _state = TrainCheckpoint.FromBytes(bytes);
        }
        IssueStep();
    }

    /// <inheritdoc />
    protected override Dictionary<string, int> WorkPerNode()
    {
        var perNode = new Dictionary<string, int>();
        foreach (var n in _placement.Where(n => n < Nodes.Length))
        {
            perNode[Nodes[n].Address] = perNode.GetValueOrDefault(Nodes[n].Address) + 1;
        }
        return perNode;
    }

    private void ClearStep()
    {
        _pending.Clear();
        _arrival = null;
        _logical = null;
        NewGeneration();
    }

    private void IssueStep()
    {
        if (_state.Step >= _job.Steps || Nodes.Length == 0)
        {
            return;
        }
        for (var n = 0; n < Nodes.Length; n++)
        {
            var workers = _state.Workers.Where(w => _placement[w.WorkerId] == n).ToArray();
            if (workers.Length == 0)
            {
                continue;
            }
            Agent(n).Tell(new TrainWork(JobId, Generation, _state.Step, _state.Parameters, workers));
            _telemetry.AddBytesOut(sizeof(float) * (long)_state.Parameters.Length);
        }
        ArmStepTimeout();
    }

    private void OnGradients(TrainGradients message)
    {
        using var busy = _telemetry.MeasureMessage();
        _telemetry.AddBytesIn(message.Gradients.Sum(g => sizeof(float) * (long)g.Gradient.Length));
        if (message.Generation != Generation || message.Step != _state.Step || Ended)
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
        DisarmStepTimeout();
        var ordered = Enumerable.Range(0, LogicalWorkers).Select(w => _pending[w]).ToArray();
        _pending.Clear();
        var mean = _arrival?.Mean() ?? _logical!.Mean();
        _state = TrainLoop.Apply(_state, mean, ordered, _job.Settings);
        _arrival = null;
        _logical = null;
        _telemetry.AddItems(1);
        ResetRestarts();
        var loss = 0.0;
        foreach (var g in ordered)
        {
            loss += g.Loss;
        }
        _lastLoss = loss / ordered.Length;
        Progress(_state.Step, _job.Steps, Metrics(), DescribePlacement());
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

    private Dictionary<string, double> Metrics() => new()
    {
        ["loss"] = _lastLoss,
        ["placementChanges"] = PlacementChanges,
        ["nodes"] = Nodes.Length,
    };

    private void Checkpoint()
    {
        var bytes = _state.ToBytes();
        if (_job.CheckpointFiles)
        {
            OutputCheckpoint(TrainCheckpoint.FileName(_state.Step), bytes);
        }
        // Replicas on every node let a successor coordinator resume the job if this node dies.
        Replicate(_state.Step, bytes);
    }

    private void Finish() => Complete(new TrainResult(
        TrainWorkload.Verb,
        _job.Settings.Model.ToString().ToLowerInvariant(),
        _state.Step,
        _lastLoss,
        TrainCheckpoint.WeightsSha256(_state.Parameters),
        LogicalWorkers,
        PlacementChanges,
        _job));

    private string DescribePlacement()
    {
        if (_placement.Length == 0)
        {
            return "no placement";
        }
        var counts = ProportionalPlacement.Counts(LogicalWorkers, Nodes.Select(n => n.Throughput).ToArray());
        return string.Join(" ", Nodes.Select((n, i) => $"{n.Address}:{counts[i]}"));
    }
}
