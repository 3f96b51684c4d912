namespace Dataflow;

/// <summary>The DSL's entry for the <c>sft</c> workload.</summary>
public static partial class Job
{
    /// <summary>Long-context fine-tuning of a causal LM on chunk schedulers (ChunkFlow).</summary>
    public static Sft.SftJobBuilder Sft() => new();
}
