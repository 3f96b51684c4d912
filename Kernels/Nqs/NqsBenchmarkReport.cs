namespace Dataflow.Kernels.Nqs;

/// <summary>What <see cref="NqsBenchmark"/> measured.</summary>
/// <param name="Rows">One row per variant, in the order printed.</param>
/// <param name="SameSamples">Whether every variant of one precision drew the same multiset.</param>
public sealed record NqsBenchmarkReport(IReadOnlyList<NqsBenchmarkRow> Rows, bool SameSamples);

/// <summary>One sampler variant of <see cref="NqsBenchmark"/>.</summary>
/// <param name="Variant">Cache and precision, e.g. "KV cache, float64".</param>
/// <param name="Unique">Unique configurations drawn.</param>
/// <param name="Logical">Logical samples drawn.</param>
/// <param name="Seconds">Wall time of the fastest timed run.</param>
public sealed record NqsBenchmarkRow(string Variant, int Unique, long Logical, double Seconds)
{
    /// <summary>The samples the timed run drew (configurations and counts), so that a reader can compare variants.</summary>
    public SampleResult? Drawn { get; init; }

    /// <summary>Unique configurations per second.</summary>
    public double UniquePerSecond => Unique / Seconds;

    /// <summary>Logical samples per second.</summary>
    public double LogicalPerSecond => Logical / Seconds;
}
