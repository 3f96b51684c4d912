using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;

namespace Dataflow.Train;

/// <summary>Fluent builder of a <c>train</c> job.</summary>
/// <remarks>Defaults: MLP, 4 logical workers, 100 steps, seed 1, a checkpoint every 10 steps.</remarks>
public sealed class TrainJobBuilder
{
    private TrainSettings _settings = new(TrainModelKind.Mlp, LogicalWorkers: 4, Seed: 1);
    private int _steps = 100;
    private int _checkpointEvery = 10;
    private string? _checkpointDirectory;
    private TrainReduction _reduction = TrainReduction.LogicalOrder;

    /// <summary>The network: an MLP on teacher-labelled vectors or a small CNN on drawn images.</summary>
    public TrainJobBuilder Model(TrainModelKind model) { _settings = _settings with { Model = model }; return this; }

    /// <summary>Number of logical workers: fixed by the job, independent of the nodes that run it.</summary>
    public TrainJobBuilder LogicalWorkers(int count) { _settings = _settings with { LogicalWorkers = count }; return this; }

    /// <summary>Global optimiser steps.</summary>
    public TrainJobBuilder Steps(int steps) { _steps = steps; return this; }

    /// <summary>Seed of the data set, the initial weights and every logical worker's random stream.</summary>
    public TrainJobBuilder Seed(long seed) { _settings = _settings with { Seed = seed }; return this; }

    /// <summary>Checkpoint every <paramref name="steps"/> steps (and on every membership change).</summary>
    public TrainJobBuilder CheckpointEvery(int steps) { _checkpointEvery = steps; return this; }

    /// <summary>Also write checkpoints as files under <paramref name="directory"/>.</summary>
    public TrainJobBuilder CheckpointDirectory(string? directory) { _checkpointDirectory = directory; return this; }

    /// <summary>Samples per logical worker per step.</summary>
    public TrainJobBuilder BatchPerWorker(int batch) { _settings = _settings with { BatchPerWorker = batch }; return this; }

    /// <summary>Peak AdamW learning rate.</summary>
    public TrainJobBuilder LearningRate(double rate) { _settings = _settings with { LearningRate = rate }; return this; }

    /// <summary>libtorch intra-op threads of every logical worker (part of the determinism contract).</summary>
    public TrainJobBuilder IntraOpThreads(int threads) { _settings = _settings with { IntraOpThreads = threads }; return this; }

    /// <summary>Gradient reduction; <see cref="TrainReduction.ArrivalOrder"/> gives up determinism (benchmarks only).</summary>
    public TrainJobBuilder Reduction(TrainReduction reduction) { _reduction = reduction; return this; }

    /// <summary>Any other setting, e.g. <c>b.Settings(s => s with { Dropout = 0.2f })</c>.</summary>
    public TrainJobBuilder Settings(Func<TrainSettings, TrainSettings> change) { _settings = change(_settings); return this; }

    /// <summary>Validates and returns the job; throws <see cref="ArgumentException"/> naming an invalid field.</summary>
    public TrainJob Build()
    {
        var spec = new TrainJobSpec(_settings, _steps, _checkpointEvery, _checkpointDirectory, _reduction);
        spec.Validate();
        return new TrainJob(spec);
    }
}

/// <summary>A validated <c>train</c> job.</summary>
public sealed record TrainJob(TrainJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => TrainWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
