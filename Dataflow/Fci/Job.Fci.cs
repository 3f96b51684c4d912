namespace Dataflow;

/// <summary>The DSL's entry for the <c>fci</c> workload.</summary>
public static partial class Job
{
    /// <summary>The exact ground-state energy of an FCIDUMP Hamiltonian (full configuration interaction).</summary>
    public static Fci.FciJobBuilder Fci() => new();
}
