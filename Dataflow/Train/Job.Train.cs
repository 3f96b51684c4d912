namespace Dataflow;

/// <summary>The DSL's entry for the <c>train</c> workload.</summary>
public static partial class Job
{
    /// <summary>Elastic, deterministic data-parallel training (EasyScale).</summary>
    public static Train.TrainJobBuilder Train() => new();
}
