using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using TorchSharp;

namespace Dataflow.Kernels.Sft;

/// <summary>Computes logical workers' gradients on one node: one float32 model, reused for whichever worker a call
/// names. Not thread-safe: one call at a time.</summary>
/// <remarks>The result is a function of (parameters, settings, corpus, step, worker) only: no dropout, no global
/// generator, and libtorch runs with the job's fixed intra-op thread count.</remarks>
public sealed class SftTrainer : IDisposable
{
    private readonly SftSettings _settings;
    private readonly SftTransformer _model;
    private readonly SftCheckpointPolicy _checkpointing;

    /// <summary>Builds the model of <paramref name="settings"/> (loads libtorch with its thread count).</summary>
    public SftTrainer(SftSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        _settings = settings;
        _model = new SftTransformer(settings.Model, settings.Seed);
        _checkpointing = SftCheckpointPolicy.Of(settings);
    }

    /// <summary>The trainer's activation checkpointing (its plans, measurements and counts so far).</summary>
    public SftCheckpointPolicy Checkpointing => _checkpointing;

    /// <summary>The initial weights of <paramref name="settings"/>' model, flat.</summary>
    public static float[] InitialParameters(SftSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        using var model = new SftTransformer(settings.Model, settings.Seed);
        return ParameterVector.Get(model);
    }

    /// <summary>Worker <paramref name="worker"/>'s gradient at <paramref name="parameters"/> for step
    /// <paramref name="step"/> of <paramref name="corpus"/>.</summary>
    /// <param name="itemDone">Called after each chunk pass (a liveness signal for long steps), or null.</param>
    public SftGradient Compute(ReadOnlySpan<float> parameters, SftCorpus corpus, long step, int worker, Action<int>? itemDone = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var batch = corpus.Batch(_settings.Seed, step, _settings.GlobalBatch);
        var mine = _settings.Split(batch)[worker].Select(i => batch[i]).ToArray();
        return Compute(parameters, mine, worker, itemDone);
    }

    /// <summary>The gradient of the summed loss over <paramref name="sequences"/> under the job's schedule.</summary>
    /// <param name="itemDone">Called after each chunk pass (forward or backward) with the number done so far, or null.</param>
    public SftGradient Compute(ReadOnlySpan<float> parameters, int[][] sequences, int worker, Action<int>? itemDone = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        TorchRuntime.EnsureLoaded(_settings.IntraOpThreads);
        using var scope = torch.NewDisposeScope();
        ParameterVector.Load(_model, parameters);
        _model.zero_grad();
        var items = sequences.Length == 0
            ? []
            : SftPlanner.Plan(_settings.Schedule, sequences, _settings.ChunkSize, _settings.MicroBatch);
        var loss = 0.0;
        var recomputed = 0;
        var done = 0;
        var (layersBefore, changesBefore, overBefore) =
            (_checkpointing.CheckpointedLayers, _checkpointing.PlanChanges, _checkpointing.PassesOverBudget);
        foreach (var item in items)
        {
            var (l, r) = ChunkFlowRunner.Run(_model, item, _settings.Keep, itemDone is null ? null : () => itemDone(++done), _checkpointing);
            loss += l;
            recomputed += r;
        }
        var gradient = ParameterVector.Gradients(_model);
        _model.zero_grad();
        return new SftGradient(
            worker,
            gradient,
            loss,
            sequences.Sum(s => (long)s.Length - 1),
            sequences.Sum(s => (long)s.Length),
            items.Sum(i => i.ComputedTokens),
            recomputed,
            items.Sum(i => i.Rows.Length),
            Math.Max(PeakMemory.PeakBytes(), _checkpointing.PeakResidentBytes),
            _checkpointing.CheckpointedLayers - layersBefore,
            _checkpointing.PlanChanges - changesBefore,
            _checkpointing.PeakPassBytes,
            _checkpointing.PassesOverBudget - overBefore);
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
