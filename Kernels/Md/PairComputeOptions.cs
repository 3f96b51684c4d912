using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Md;

/// <summary>Where and how a pair style computes.</summary>
/// <remarks>The default, <see cref="PairComputePath.HalfList"/>, is the faster on CPU nodes. On LAMMPS'
/// <c>bench/in.lj</c> (32000 atoms, 100 steps) <see cref="MdBenchmark"/> measured, on a shared two-core AMD EPYC
/// node, 1.44e6 atom-steps/s for the half list against 0.47e6 for the full-list kernel by direct dispatch, one
/// thread each (LAMMPS 29 Sep 2021 serial: 1.08e6). The kernel computes every pair twice and reads its inputs
/// through ILGPU array views; it is the path for GPU nodes.</remarks>
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
