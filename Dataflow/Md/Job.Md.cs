namespace Dataflow;

/// <summary>The DSL's entry for the <c>md</c> workload.</summary>
public static partial class Job
{
    /// <summary>A molecular-dynamics job (<c>md</c>).</summary>
    public static Md.MdJobBuilder Md() => new();
}
