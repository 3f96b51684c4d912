namespace Dataflow.Kernels.Train;

/// <summary>Single-process reference driver of a <c>train</c> job, and the step function the distributed
/// coordinator applies: reduce the N logical workers' gradients in worker-id order, take one AdamW step,
/// advance the workers' states.</summary>
public static class TrainLoop
{
    /// <summary>State before the first step: seeded initial parameters, zero AdamW moments, every worker at
    /// the start of epoch 0 with its own seeded generator.</summary>
    public static TrainCheckpoint Initial(TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var parameters = TrainModels.InitialParameters(settings);
        var workers = new LogicalWorkerState[settings.LogicalWorkers];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = LogicalWorkerState.Initial(settings, w);
        }
        return new TrainCheckpoint(0, parameters, new float[parameters.Length], new float[parameters.Length], 0, workers);
    }

    /// <summary>One global step from <paramref name="current"/> given all N workers' results for it (any
    /// order); returns a new checkpoint and leaves <paramref name="current"/> unchanged.</summary>
    public static TrainCheckpoint Step(TrainCheckpoint current, IReadOnlyList<WorkerGradient> gradients, TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(settings);
        if (current.Workers.Length != settings.LogicalWorkers)
        {
            throw new ArgumentException(
                $"checkpoint holds {current.Workers.Length} workers, settings say {settings.LogicalWorkers}", nameof(current));
        }
        if (gradients is null || gradients.Count != settings.LogicalWorkers)
        {
            throw new ArgumentException(
                $"step {current.Step + 1} needs gradients of all {settings.LogicalWorkers} logical workers, got {gradients?.Count ?? 0}",
                nameof(gradients));
        }
        var ordered = GradientReduction.InLogicalOrder(gradients);
        if (ordered[0].Gradient.Length != current.Parameters.Length)
        {
            throw new ArgumentException(
                $"gradients have {ordered[0].Gradient.Length} values, the parameters {current.Parameters.Length}", nameof(gradients));
        }
        return Apply(current, GradientReduction.MeanInLogicalOrder(ordered), ordered, settings);
    }

    /// <summary>One AdamW step with an already reduced <paramref name="meanGradient"/>; worker states advance as in
    /// <see cref="Step"/>. Only the arrival-order benchmark baseline reduces elsewhere.</summary>
    public static TrainCheckpoint Apply(TrainCheckpoint current, float[] meanGradient, IReadOnlyList<WorkerGradient> gradients,
        TrainSettings settings)
    {
        var ordered = GradientReduction.InLogicalOrder(gradients);
        var mean = meanGradient;
        var parameters = (float[])current.Parameters.Clone();
        var optimizer = new AdamWOptimizer(settings, (float[])current.AdamM.Clone(), (float[])current.AdamV.Clone(), current.AdamStep);
        optimizer.Step(parameters, mean);
        var workers = new LogicalWorkerState[ordered.Length];
        for (var w = 0; w < workers.Length; w++)
        {
            var next = ordered[w].Next;
            if (next.WorkerId != w)
            {
                throw new ArgumentException($"worker {w} returned a next state for worker {next.WorkerId}", nameof(gradients));
            }
            workers[w] = next;
        }
        return new TrainCheckpoint(current.Step + 1, parameters, optimizer.M, optimizer.V, optimizer.StepCount, workers);
    }

    /// <summary>Runs <paramref name="steps"/> steps from <see cref="Initial"/>, every logical worker in turn
    /// on <paramref name="worker"/>; returns the final state and the mean loss of each step.</summary>
    public static (TrainCheckpoint Final, double[] Losses) Run(TrainSettings settings, int steps, GradientWorker worker) =>
        Run(Initial(settings), settings, steps, worker);

    /// <summary>Runs <paramref name="steps"/> more steps from <paramref name="start"/> (a restored checkpoint).</summary>
    public static (TrainCheckpoint Final, double[] Losses) Run(TrainCheckpoint start, TrainSettings settings, int steps, GradientWorker worker)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (worker.Settings != settings)
        {
            throw new ArgumentException("the gradient worker was built for other settings", nameof(worker));
        }
        var current = start;
        var losses = new double[steps];
        var results = new WorkerGradient[settings.LogicalWorkers];
        for (var s = 0; s < steps; s++)
        {
            for (var w = 0; w < results.Length; w++)
            {
                results[w] = worker.Compute(current.Parameters, current.Workers[w]);
            }
            losses[s] = GradientReduction.MeanLossInLogicalOrder(results);
            current = Step(current, results, settings);
        }
        return (current, losses);
    }
}
