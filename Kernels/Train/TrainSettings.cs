using MessagePack;

namespace Dataflow.Kernels.Train;

/// <summary>Everything that fixes the result of a <c>train</c> job: model, logical workers, seed, batch,
/// AdamW hyper-parameters and the learning-rate schedule.</summary>
/// <remarks>
/// The global batch is <see cref="LogicalWorkers"/> x <see cref="BatchPerWorker"/> samples per step,
/// independent of how many processes run the workers. The learning rate rises linearly over
/// <see cref="WarmupSteps"/> steps, then stays constant, or, when <see cref="TotalSteps"/> is positive,
/// follows a half cosine from <see cref="LearningRate"/> down to zero at step <see cref="TotalSteps"/>
/// (Loshchilov &amp; Hutter, SGDR, arXiv 1608.03983, without restarts).
/// </remarks>
/// <param name="Model">Network and data set.</param>
/// <param name="LogicalWorkers">Fixed number of logical workers N; fixed by the job, never by the cluster.</param>
/// <param name="Seed">Job seed: data, initial weights, data order and every worker's random stream.</param>
/// <param name="BatchPerWorker">Samples per logical worker per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="WeightDecay">Decoupled weight decay coefficient (multiplied by the learning rate, as in PyTorch).</param>
/// <param name="Beta1">First-moment decay.</param>
/// <param name="Beta2">Second-moment decay.</param>
/// <param name="Epsilon">AdamW denominator term.</param>
/// <param name="WarmupSteps">Steps of linear warm-up; 0 for none.</param>
/// <param name="Dropout">Dropout probability in [0, 1).</param>
/// <param name="IntraOpThreads">libtorch intra-op threads; gradients depend on it bitwise.</param>
/// <param name="DatasetSize">Samples in the synthetic data set.</param>
/// <param name="TotalSteps">Step at which the cosine decay reaches zero; 0 keeps the rate constant after warm-up.</param>
[MessagePackObject]
public sealed record TrainSettings(
    [property: Key(0)] TrainModelKind Model,
    [property: Key(1)] int LogicalWorkers,
    [property: Key(2)] long Seed,
    [property: Key(3)] int BatchPerWorker = 16,
    [property: Key(4)] double LearningRate = 3e-3,
    [property: Key(5)] double WeightDecay = 0.01,
    [property: Key(6)] double Beta1 = 0.9,
    [property: Key(7)] double Beta2 = 0.999,
    [property: Key(8)] double Epsilon = 1e-8,
    [property: Key(9)] int WarmupSteps = 10,
    [property: Key(10)] float Dropout = 0.1f,
    [property: Key(11)] int IntraOpThreads = 1,
    [property: Key(12)] int DatasetSize = 2048,
    [property: Key(13)] int TotalSteps = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first field out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Model))
        {
            throw new ArgumentException($"model {Model} is not a known model kind", "model");
        }
        Require(LogicalWorkers >= 1, "logicalWorkers", $"logicalWorkers must be at least 1 (got {LogicalWorkers})");
        Require(BatchPerWorker >= 1, "batchPerWorker", $"batchPerWorker must be at least 1 (got {BatchPerWorker})");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, "learningRate",
            $"learningRate must be positive and finite (got {LearningRate})");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, "weightDecay",
            $"weightDecay must be non-negative and finite (got {WeightDecay})");
        Require(Beta1 is >= 0 and < 1, "beta1", $"beta1 must be in [0, 1) (got {Beta1})");
        Require(Beta2 is >= 0 and < 1, "beta2", $"beta2 must be in [0, 1) (got {Beta2})");
        Require(double.IsFinite(Epsilon) && Epsilon > 0, "epsilon", $"epsilon must be positive and finite (got {Epsilon})");
        Require(WarmupSteps >= 0, "warmupSteps", $"warmupSteps must be non-negative (got {WarmupSteps})");
        Require(Dropout is >= 0 and < 1, "dropout", $"dropout must be in [0, 1) (got {Dropout})");
        Require(IntraOpThreads >= 1, "intraOpThreads", $"intraOpThreads must be at least 1 (got {IntraOpThreads})");
        Require(DatasetSize >= LogicalWorkers, "datasetSize",
            $"datasetSize must be at least logicalWorkers={LogicalWorkers} so every worker owns a sample (got {DatasetSize})");
        Require(TotalSteps >= 0, "totalSteps", $"totalSteps must be non-negative (got {TotalSteps})");
        Require(TotalSteps == 0 || TotalSteps > WarmupSteps, "totalSteps",
            $"totalSteps must exceed warmupSteps={WarmupSteps} when set (got {TotalSteps})");
    }

    /// <summary>Learning rate of optimizer step <paramref name="step"/> (1 for the first step).</summary>
    public double LearningRateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1L);
        if (step <= WarmupSteps)
        {
            return LearningRate * step / WarmupSteps;
        }
        if (TotalSteps <= 0)
        {
            return LearningRate;
        }
        if (step >= TotalSteps)
        {
            return 0.0;
        }
        var progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return 0.5 * LearningRate * (1.0 + Math.Cos(Math.PI * progress));
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, field);
        }
    }
}
