namespace Dataflow.Kernels.Sft;

/// <summary>Which transformer blocks of a pass run without keeping their activations, recomputed in the backward
/// pass (activation checkpointing, <see cref="Compute.LayerCheckpoints"/>).</summary>
public enum SftCheckpointing
{
    /// <summary>Every block keeps its activations.</summary>
    None,

    /// <summary>Every block is recomputed: the least memory, a second forward pass of every block.</summary>
    All,

    /// <summary>Mimose (arXiv 2209.02478): per input size, the fewest blocks whose recomputation keeps the measured
    /// peak under the memory budget (<see cref="MimosePlanner"/>).</summary>
    Mimose,
}
