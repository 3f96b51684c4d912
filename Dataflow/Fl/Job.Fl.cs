namespace Dataflow;

/// <summary>The DSL's entry for the <c>fl</c> workload.</summary>
public static partial class Job
{
    /// <summary>Federated 3-D segmentation across institute actors with an aggregator (FedAvg, FedProx, FedBN, VFDA).</summary>
    public static Fl.FlJobBuilder Fl() => new();
}
