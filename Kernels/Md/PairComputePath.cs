namespace Dataflow.Kernels.Md;

/// <summary>How a pair style runs its pair loop.</summary>
public enum PairComputePath
{
    /// <summary>Plain C# over a half list with Newton's third law: each pair computed once, its force added to both
    /// atoms; threads each accumulate into their own force array, summed at the end.</summary>
    HalfList,

    /// <summary>An ILGPU kernel, one index per atom over a full list: each pair computed twice, no write to another
    /// atom. Runs by direct dispatch on a CPU node and through ILGPU on a GPU.</summary>
    FullListKernel,
}
