namespace Dataflow;

/// <summary>The DSL's entry for the <c>nqs</c> workload.</summary>
public static partial class Job
{
    /// <summary>A neural-network quantum state job (<c>nqs</c>).</summary>
    public static Nqs.NqsJobBuilder Nqs() => new();
}
