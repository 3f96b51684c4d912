using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;

// Results are what a DSL user reads: they live in the DSL's namespace, beside the driver that writes them.
namespace Dataflow.Train;

/// <summary>The result of a <c>train</c> job, as written by <c>--json</c>.</summary>
/// <param name="WeightsSha256">SHA-256 of the final parameters (little-endian float32): equal runs, equal bits.</param>
/// <param name="PlacementChanges">How often the logical workers were re-placed because membership changed.</param>
/// <param name="Inputs">The job as run: every option, defaults included.</param>
public sealed record TrainResult(
    string Workload,
    string Model,
    long Steps,
    double FinalLoss,
    string WeightsSha256,
    int LogicalWorkers,
    int PlacementChanges,
    TrainJobSpec Inputs) : WorkloadResult;
