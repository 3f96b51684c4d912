using MessagePack;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>Training of a Deep Potential (deepmd-kit's <c>learning_rate</c> and <c>loss</c> sections, and the
/// data-parallel layout).</summary>
/// <param name="Model">The network.</param>
/// <param name="Steps">Optimiser steps (deepmd-kit's <c>numb_steps</c>).</param>
/// <param name="BatchSize">Frames per step, over all logical workers.</param>
/// <param name="Seed">Seed of the initial parameters and the frame order.</param>
/// <param name="LogicalWorkers">Fixed shards of each batch; gradients are summed in worker order.</param>
/// <param name="StartLearningRate">start_lr.</param>
/// <param name="StopLearningRate">stop_lr, reached at the last step.</param>
/// <param name="DecaySteps">decay_steps: the learning rate drops by a constant factor every this many steps.</param>
/// <param name="StartPrefE">start_pref_e (deepmd-kit's default 0.02).</param>
/// <param name="LimitPrefE">limit_pref_e (1).</param>
/// <param name="StartPrefF">start_pref_f (1000).</param>
/// <param name="LimitPrefF">limit_pref_f (1).</param>
/// <param name="StartPrefV">start_pref_v (0: no virial term).</param>
/// <param name="LimitPrefV">limit_pref_v (0).</param>
/// <param name="IntraOpThreads">libtorch threads per gradient; results are bitwise reproducible for a fixed count.</param>
[MessagePackObject]
public sealed record DpTrainSettings(
    [property: Key(0)] DeepPotentialSettings Model,
    [property: Key(1)] int Steps,
    [property: Key(2)] int BatchSize,
    [property: Key(3)] long Seed,
    [property: Key(4)] int LogicalWorkers = 1,
    [property: Key(5)] double StartLearningRate = 1e-3,
    [property: Key(6)] double StopLearningRate = 1e-5,
    [property: Key(7)] int DecaySteps = 50,
    [property: Key(8)] double StartPrefE = 0.02,
    [property: Key(9)] double LimitPrefE = 1,
    [property: Key(10)] double StartPrefF = 1000,
    [property: Key(11)] double LimitPrefF = 1,
    [property: Key(12)] double StartPrefV = 0,
    [property: Key(13)] double LimitPrefV = 0,
    [property: Key(14)] int IntraOpThreads = 1)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Model.Validate();
        Check(Steps >= 1, nameof(Steps), $"must be at least 1 (got {Steps})");
        Check(BatchSize >= 1, nameof(BatchSize), $"must be at least 1 (got {BatchSize})");
        Check(LogicalWorkers >= 1 && LogicalWorkers <= BatchSize, nameof(LogicalWorkers), $"must be in 1..batch size {BatchSize} (got {LogicalWorkers})");
        Check(StartLearningRate > 0 && StopLearningRate > 0 && StopLearningRate <= StartLearningRate, nameof(StopLearningRate),
            $"needs 0 < stop_lr <= start_lr (got {StopLearningRate} and {StartLearningRate})");
        Check(DecaySteps >= 1, nameof(DecaySteps), $"must be at least 1 (got {DecaySteps})");
        Check(new[] { StartPrefE, LimitPrefE, StartPrefF, LimitPrefF, StartPrefV, LimitPrefV }.All(p => p >= 0 && double.IsFinite(p)),
            nameof(StartPrefE), "loss prefactors must be finite and >= 0");
        Check(IntraOpThreads >= 1, nameof(IntraOpThreads), $"must be at least 1 (got {IntraOpThreads})");
    }

    /// <summary>deepmd-kit's exponential decay: lr_t = start_lr r^floor(t / decay_steps), with r chosen so that the
    /// last step reaches stop_lr: r = (stop_lr / start_lr)^(decay_steps / steps).</summary>
    public double LearningRate(long step)
    {
        var rate = Math.Pow(StopLearningRate / StartLearningRate, (double)DecaySteps / Steps);
        return StartLearningRate * Math.Pow(rate, step / DecaySteps);
    }

    /// <summary>deepmd-kit's scheduled prefactor: limit + (start - limit) lr_t / start_lr.</summary>
    public static double Prefactor(double start, double limit, double learningRate, double startLearningRate) =>
        limit + (start - limit) * learningRate / startLearningRate;

    private static void Check(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new ArgumentException($"{field}: {message}", field);
        }
    }
}
