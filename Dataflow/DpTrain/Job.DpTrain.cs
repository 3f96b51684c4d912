namespace Dataflow;

/// <summary>The DSL's entry for the <c>dp-train</c> workload.</summary>
public static partial class Job
{
    /// <summary>Data-parallel training of a Deep Potential (se_e2_a) on deepmd-kit data.</summary>
    public static DpTrain.DpTrainJobBuilder DpTrain() => new();
}
