namespace Dataflow;

/// <summary>The DSL's entry for the <c>tune</c> workload.</summary>
public static partial class Job
{
    /// <summary>Auto-tuning the project's kernels for a model: per-family cost models and tuning measurers (FamilySeer).</summary>
    public static Tune.TuneJobBuilder Tune() => new();
}
