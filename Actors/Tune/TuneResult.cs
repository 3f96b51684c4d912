using Dataflow.Actors.Runtime;
using Dataflow.Actors.Tune;

// Results are what a DSL user reads: they live in the DSL's namespace, beside the driver that writes them.
namespace Dataflow.Tune;

/// <summary>The result of a <c>tune</c> job, as written by <c>--json</c>.</summary>
/// <param name="Policy">familyseer, one-model or per-task.</param>
/// <param name="Measurements">Candidates measured by this run (resumed records not counted).</param>
/// <param name="UntunedLatencySeconds">One forward pass of the model with every task's untuned schedule.</param>
/// <param name="BestLatencySeconds">One forward pass with every task's best measured schedule.</param>
/// <param name="Speedup">Untuned over best latency.</param>
/// <param name="Tasks">Per task: key, family, weight, untuned and best seconds, best schedule, measurements.</param>
/// <param name="Curve">Best latency after each round.</param>
/// <param name="Nodes">Measurements per node.</param>
/// <param name="Machine">The measuring nodes' description (the last record's).</param>
/// <param name="Inputs">The job as run: every option.</param>
public sealed record TuneResult(
    string Workload,
    string Model,
    string Policy,
    string Grouping,
    int Measurements,
    double UntunedLatencySeconds,
    double BestLatencySeconds,
    double Speedup,
    TuneTaskResult[] Tasks,
    TuneCurvePoint[] Curve,
    TuneNodeShare[] Nodes,
    string Machine,
    int PlacementChanges,
    TuneInputs Inputs) : WorkloadResult
{
    /// <summary>The inputs of <paramref name="job"/> (resumed records by count).</summary>
    public static TuneInputs InputsOf(TuneJobSpec job) => new(job.Model, job.Policy, job.Grouping, job.Budget,
        job.BatchSize, job.MeasureRepeats, job.Seed, job.Threads, job.PreviousRecords().Count);
}

/// <summary>One task of a <see cref="TuneResult"/>.</summary>
/// <param name="Task">Operator and shape, <c>conv2d[1x16x32x32x16x3x3x1x1]</c>.</param>
/// <param name="Name">The layer.</param>
/// <param name="Family">The family whose cost model it used.</param>
/// <param name="Weight">Runs per forward pass.</param>
/// <param name="UntunedSeconds">One run with the untuned schedule.</param>
/// <param name="BestSeconds">One run with the best schedule.</param>
/// <param name="BestSchedule">The best schedule's key.</param>
/// <param name="Measurements">Candidates measured for it (resumed ones included).</param>
public sealed record TuneTaskResult(string Task, string Name, string Family, int Weight, double UntunedSeconds,
    double BestSeconds, string BestSchedule, int Measurements);

/// <summary>The best end-to-end latency after a number of measurements.</summary>
public sealed record TuneCurvePoint(int Measurements, double LatencySeconds);

/// <summary>How many candidates a node measured.</summary>
public sealed record TuneNodeShare(string Node, int Measurements);

/// <summary>The options of a <c>tune</c> job.</summary>
/// <param name="PreviousRecords">Records of earlier runs the job started from (<c>--log</c> resumed).</param>
public sealed record TuneInputs(string Model, string Policy, string Grouping, int Budget, int BatchSize,
    int MeasureRepeats, int Seed, int Threads, int PreviousRecords);
