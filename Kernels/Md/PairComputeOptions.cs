using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Md;

/// <summary>Where and how a pair style computes.</summary>
/// <remarks>The default, <see cref="PairComputePath.HalfList"/>, is the faster on CPU nodes: on the 32000-atom
/// LAMMPS <c>bench/in.lj</c> case <see cref="MdBenchmark"/> measured it ahead of the full-list kernel by direct
/// dispatch at one and two threads (see the benchmark's output for this machine's figures).</remarks>
public sealed record PairComputeOptions
{
    /// <summary>The defaults: half list, all processors.</summary>
    public static PairComputeOptions Default { get; } = new();

    /// <summary>Pair loop to run; default <see cref="PairComputePath.HalfList"/>.</summary>
    public PairComputePath Path { get; init; } = PairComputePath.HalfList;

    /// <summary>Most threads the pair loop uses; 0 for all processors.</summary>
    public int Threads { get; init; }

    /// <summary>Backend for <see cref="PairComputePath.FullListKernel"/>; null lets
    /// <see cref="ComputeBackend.Create"/> choose (CUDA when present, else direct CPU dispatch).</summary>
    public ComputeBackendKind? Backend { get; init; }

    /// <summary><see cref="Threads"/> resolved against this machine.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
