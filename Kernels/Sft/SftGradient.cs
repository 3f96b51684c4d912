using MessagePack;

namespace Dataflow.Kernels.Sft;

/// <summary>One logical worker's share of a step: the gradient of its summed token losses and what it ran.</summary>
/// <param name="WorkerId">The logical worker.</param>
/// <param name="Gradient">Gradient of the summed next-token cross-entropy, flat (named_parameters order).</param>
/// <param name="LossSum">Summed cross-entropy, nats.</param>
/// <param name="Targets">Tokens with a next-token target.</param>
/// <param name="Tokens">Tokens of its sequences.</param>
/// <param name="ComputedTokens">Tokens the model ran, padding included.</param>
/// <param name="Recomputed">Chunks whose forward ran twice (ChunkFlow's N-K).</param>
/// <param name="Chunks">Rows or chunks run.</param>
/// <param name="PeakMemoryBytes">The trainer's process high-water mark, measured after the step.</param>
/// <param name="CheckpointedLayers">Blocks recomputed by activation checkpointing (summed over passes).</param>
/// <param name="PlanChanges">Passes of the trainer whose checkpointing plan differed from the pass before.</param>
/// <param name="PeakPassBytes">Highest measured peak of one pass above the resident memory before it (0: not measured).</param>
/// <param name="PassesOverBudget">Passes whose measured peak was above the memory budget.</param>
[MessagePackObject]
public sealed record SftGradient(
    [property: Key(0)] int WorkerId,
    [property: Key(1)] float[] Gradient,
    [property: Key(2)] double LossSum,
    [property: Key(3)] long Targets,
    [property: Key(4)] long Tokens,
    [property: Key(5)] long ComputedTokens,
    [property: Key(6)] int Recomputed,
    [property: Key(7)] int Chunks,
    [property: Key(8)] long PeakMemoryBytes,
    [property: Key(9)] long CheckpointedLayers = 0,
    [property: Key(10)] long PlanChanges = 0,
    [property: Key(11)] long PeakPassBytes = 0,
    [property: Key(12)] long PassesOverBudget = 0);
