namespace Dataflow.Kernels.Train;

/// <summary>Combines logical workers' gradients in a fixed order, so the sum does not depend on which
/// worker finished first or where it ran (EasyScale, arXiv 2208.14228: gradients of logical workers
/// are aggregated in a fixed order for bitwise-consistent results).</summary>
public static class GradientReduction
{
    /// <summary>Mean of the N workers' gradients, summed element by element in worker-id order 0, 1, ...,
    /// N-1 in double precision, divided by N, then rounded once to float.</summary>
    /// <remarks>The list may come in any order; it must hold each worker id 0..N-1 exactly once
    /// (N = its count) and gradients of equal length. Every worker has the same batch size, so the plain
    /// mean of per-worker means is the mean over the global batch.</remarks>
    public static float[] MeanInLogicalOrder(IReadOnlyList<WorkerGradient> byWorkerId)
    {
        var ordered = InLogicalOrder(byWorkerId);
        var length = ordered[0].Gradient.Length;
        var sum = new double[length];
        foreach (var worker in ordered)
        {
            var g = worker.Gradient;
            for (var j = 0; j < length; j++)
            {
                sum[j] += g[j];
            }
        }
        var result = new float[length];
        double count = ordered.Length;
        for (var j = 0; j < length; j++)
        {
            result[j] = (float)(sum[j] / count);
        }
        return result;
    }

    /// <summary>Mean of the workers' losses, summed in worker-id order.</summary>
    public static double MeanLossInLogicalOrder(IReadOnlyList<WorkerGradient> byWorkerId)
    {
        var ordered = InLogicalOrder(byWorkerId);
        var sum = 0.0;
        foreach (var worker in ordered)
        {
            sum += worker.Loss;
        }
        return sum / ordered.Length;
    }

    /// <summary>The gradients indexed by worker id; throws <see cref="ArgumentException"/> unless the ids are
    /// exactly 0..N-1, each once, with gradients of one length.</summary>
    public static WorkerGradient[] InLogicalOrder(IReadOnlyList<WorkerGradient> byWorkerId)
    {
        ArgumentNullException.ThrowIfNull(byWorkerId);
        if (byWorkerId.Count == 0)
        {
            throw new ArgumentException("no worker gradients to reduce", nameof(byWorkerId));
        }
        var ordered = new WorkerGradient[byWorkerId.Count];
        foreach (var worker in byWorkerId)
        {
            ArgumentNullException.ThrowIfNull(worker, nameof(byWorkerId));
            if ((uint)worker.WorkerId >= (uint)ordered.Length)
            {
                throw new ArgumentException(
                    $"worker id {worker.WorkerId} is outside [0, {ordered.Length}); all N workers must be present", nameof(byWorkerId));
            }
            if (ordered[worker.WorkerId] is not null)
            {
                throw new ArgumentException($"worker {worker.WorkerId} appears twice", nameof(byWorkerId));
            }
            ordered[worker.WorkerId] = worker;
        }
        var length = ordered[0].Gradient.Length;
        foreach (var worker in ordered)
        {
            if (worker.Gradient.Length != length)
            {
                throw new ArgumentException(
                    $"worker {worker.WorkerId} has {worker.Gradient.Length} gradient values, worker 0 has {length}", nameof(byWorkerId));
            }
        }
        return ordered;
    }
}
