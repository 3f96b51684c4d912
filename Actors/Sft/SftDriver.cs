using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Scheduling;
using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using Dataflow.Sft;

namespace Dataflow.Actors.Sft;

/// <summary>Drives one <c>sft</c> job: owns the weights and AdamW moments, places the logical workers (trainers) over
/// the compute nodes' chunk schedulers, sums their gradients in logical order and checkpoints.</summary>
/// <remarks>
/// A worker's gradient depends only on (weights, step, worker), never on where it ran, so any placement gives the
/// same bits. On a membership change the driver checkpoints its last completed step, re-places and re-issues the
/// step; replies of the old generation are ignored. On a failed stage or a timed-out step it resumes from the last
/// checkpoint.
/// </remarks>
public sealed class SftDriver : JobDriver
{
    private readonly SftJobSpec _job;
    private readonly Dictionary<int, SftGradient> _pending = [];
    private readonly StageTelemetry _telemetry;
    private SftState _state;
    private int[] _placement = [];
    private DateTime? _firstIssued;
    private long _tokensAtFirstIssue;

    /// <summary>Creates the driver of <paramref name="start"/>'s job, from its checkpoint when it has one.</summary>
    public SftDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<SftJobSpec>(Spec);
        _state = StartCheckpoint is { } bytes ? SftState.FromBytes(bytes) : SftState.Initial(_job.Settings);
        _telemetry = new StageTelemetry(JobId, "driver", "driver",
            JobCoordinator.Key(Akka.Cluster.Cluster.Get(Context.System).SelfAddress), Spec.Workload);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<SftGradients>(OnGradients);
        Receive<SftStepProgress>(p =>
        {
            // The step is moving: a step of long sequences may take longer than dataflow.step-timeout.
            if (p.Generation == Generation && p.Step == _state.Step && !Ended)
            {
                ArmStepTimeout();
            }
        });
        Receive<SftStageFailed>(f =>
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
            _state = SftState.FromBytes(bytes);
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
        NewGeneration();
    }

    private void IssueStep()
    {
        if (_state.Step >= _job.Steps || Nodes.Length == 0)
        {
            return;
        }
        if (_firstIssued is null)
        {
            _firstIssued = DateTime.UtcNow;
            _tokensAtFirstIssue = _state.Tokens;
        }
        for (var n = 0; n < Nodes.Length; n++)
        {
            var workers = Enumerable.Range(0, LogicalWorkers).Where(w => _placement[w] == n).ToArray();
            if (workers.Length == 0)
            {
                continue;
            }
            Agent(n).Tell(new SftWork(JobId, Generation, _state.Step, _state.Parameters, workers));
            _telemetry.AddBytesOut(sizeof(float) * (long)_state.Parameters.Length);
        }
        ArmStepTimeout();
    }

    private void OnGradients(SftGradients message)
    {
        using var busy = _telemetry.MeasureMessage();
        if (message.Generation != Generation || message.Step != _state.Step || Ended)
        {
            return;
        }
        foreach (var g in message.Gradients)
        {
            _pending.TryAdd(g.WorkerId, g);
        }
        if (_pending.Count < LogicalWorkers)
        {
            return;
        }
        DisarmStepTimeout();
        var ordered = Enumerable.Range(0, LogicalWorkers).Select(w => _pending[w]).ToArray();
        _pending.Clear();
        _state = _state.Apply(ordered, _job.Settings);
        _telemetry.AddItems(1);
        ResetRestarts();
        Progress(_state.Step, _job.Steps, Metrics(), $"{_state.Tokens} tokens");
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
        ["loss"] = _state.LastLoss,
        ["tokensPerSecond"] = TokensPerSecond,
        ["paddingFraction"] = PaddingFraction,
        ["peakMemoryBytes"] = _state.PeakMemoryBytes,
        ["checkpointedLayers"] = _state.CheckpointedLayers,
        ["planChanges"] = _state.PlanChanges,
        ["nodes"] = Nodes.Length,
    };

    // Over the steps this driver ran (a successor after a fail-over counts from its checkpoint).
    private double TokensPerSecond => _firstIssued is { } t
        ? (_state.Tokens - _tokensAtFirstIssue) / Math.Max(1e-9, (DateTime.UtcNow - t).TotalSeconds)
        : 0;

    private double PaddingFraction =>
        _state.ComputedTokens == 0 ? 0 : (double)(_state.ComputedTokens - _state.Tokens) / _state.ComputedTokens;

    private void Checkpoint()
    {
        var bytes = _state.ToBytes();
        if (_job.CheckpointFiles)
        {
            OutputCheckpoint(SftState.FileName(_state.Step), bytes);
        }
        Replicate(_state.Step, bytes);
    }

    private void Finish() => Complete(new SftResult(
        SftWorkload.Verb,
        _job.Settings.Schedule.ToString().ToLowerInvariant(),
        _state.Step,
        _state.Tokens,
        TokensPerSecond,
        PaddingFraction,
        _state.Recomputed,
        _state.Chunks,
        _state.PeakMemoryBytes,
        _state.LastLoss,
        TrainCheckpoint.WeightsSha256(_state.Parameters),
        LogicalWorkers,
        PlacementChanges,
        SftInputs.Of(_job),
        _job.Settings.Checkpointing.ToString().ToLowerInvariant(),
        _state.CheckpointedLayers,
        _state.PlanChanges,
        _state.PeakPassBytes,
        _state.PassesOverBudget));
}
