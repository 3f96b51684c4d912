namespace Dataflow.Kernels.Nqs;

/// <summary>Problem size of <see cref="NqsBenchmark"/>.</summary>
public sealed record NqsBenchmarkSettings
{
    /// <summary>Spatial orbitals K; default 14 (N2 in a minimal-ish basis has 10 to 14 active orbitals).</summary>
    public int Orbitals { get; init; } = 14;

    /// <summary>Alpha electrons; default 7.</summary>
    public int AlphaElectrons { get; init; } = 7;

    /// <summary>Beta electrons; default 7.</summary>
    public int BetaElectrons { get; init; } = 7;

    /// <summary>Logical samples per timed run; default 100 000.</summary>
    public long Samples { get; init; } = 100_000;

    /// <summary>Standard deviation of the initial weights; default 0.5, peaked enough that unique configurations are
    /// a fraction of the logical samples, as for a wavefunction part-way through training.</summary>
    public double InitStd { get; init; } = 0.5;

    /// <summary>M, prefixes per batch; default 4096.</summary>
    public int ChunkPrefixes { get; init; } = 4096;

    /// <summary>libtorch intra-op threads; default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Timed runs per variant after one untimed warm-up; the fastest is reported. Default 3.</summary>
    public int Repetitions { get; init; } = 3;
}
