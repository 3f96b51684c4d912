namespace Dataflow.Kernels.Md;

/// <summary>What <see cref="MdBenchmark"/> measures.</summary>
public sealed record MdBenchmarkSettings
{
    /// <summary>Steps per run; default 100, as <c>bench/in.lj</c>.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Rounds in which every variant runs once; each variant reports its best round. Default 3.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Thread counts of the Dataflow runs; default 1 and 2.</summary>
    public IReadOnlyList<int> ThreadCounts { get; init; } = [1, 2];

    /// <summary>Pair loops to time; default both.</summary>
    public IReadOnlyList<PairComputePath> Paths { get; init; } = [PairComputePath.HalfList, PairComputePath.FullListKernel];

    /// <summary>Whether to time the spatial-domain path too: the box as one domain with ghost atoms, a
    /// <see cref="Domains.DomainNeighborList"/> sorted by canonical key and the <see cref="Domains.DomainLennardJonesCut"/>
    /// loop; default true.</summary>
    public bool DomainLoop { get; init; } = true;

    /// <summary>Starting state; null takes the shipped <c>lj-32000.data.gz</c>.</summary>
    public string? DataFile { get; init; }

    /// <summary>Whether to time LAMMPS too when it is installed; default true.</summary>
    public bool RunLammps { get; init; } = true;

    /// <summary>The LAMMPS executable, looked up on the PATH; default <c>lmp</c>.</summary>
    public string LammpsExecutable { get; init; } = "lmp";

    /// <summary>Longest a LAMMPS run may take; default 5 minutes.</summary>
    public TimeSpan LammpsTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
