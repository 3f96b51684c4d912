namespace Dataflow.Kernels.Md;

/// <summary>What <see cref="MdBenchmark.Run(TextWriter)"/> measured.</summary>
/// <param name="Rows">Each variant, Dataflow first, then LAMMPS.</param>
/// <param name="Skipped">Why LAMMPS rows are missing, or null.</param>
public sealed record MdBenchmarkReport(IReadOnlyList<MdBenchmarkRow> Rows, string? Skipped)
{
    /// <summary>The final etotal per atom of each Dataflow variant's first round, in the order of the rows.</summary>
    public IReadOnlyList<double> FinalTotalEnergies { get; init; } = [];
}
