namespace Dataflow.Kernels.Compute;

/// <summary>What <see cref="ComputeBenchmark.Run(TextWriter, ComputeBenchmarkSettings?)"/> measured.</summary>
/// <param name="Rows">One row per kernel and variant, the plain loop first for each kernel.</param>
public sealed record ComputeBenchmarkReport(IReadOnlyList<ComputeBenchmarkRow> Rows);

/// <summary>One kernel run one way.</summary>
/// <param name="Kernel">Kernel name.</param>
/// <param name="Variant">How it ran: <c>plain Parallel.For</c>, <c>direct dispatch</c>, <c>ILGPU CPU accelerator</c>
/// or <c>ILGPU CUDA</c>.</param>
/// <param name="Extent">Indices per launch.</param>
/// <param name="MillisecondsPerLaunch">Median wall time of one launch until its results are complete, ms.</param>
/// <param name="RatioToBaseline">Time divided by the plain loop's time measured in the same run.</param>
/// <param name="MaxRelativeDifference">Largest |out - plain| / max(|plain|, 1e-30) over all outputs of one
/// launch; 0 when identical to the plain loop.</param>
public sealed record ComputeBenchmarkRow(
    string Kernel,
    string Variant,
    int Extent,
    double MillisecondsPerLaunch,
    double RatioToBaseline,
    double MaxRelativeDifference)
{
    /// <summary>The outputs of the variant's first launch (the ones compared with the plain loop's).</summary>
    public float[]? Output { get; init; }
}
