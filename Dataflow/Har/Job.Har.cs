namespace Dataflow;

/// <summary>The DSL's entries for the <c>har</c> and <c>har-train</c> workloads.</summary>
public static partial class Job
{
    /// <summary>Real-time action recognition on a streaming actor pipeline (RT-HARE).</summary>
    public static Har.HarJobBuilder Har() => new();

    /// <summary>Trains the har recogniser and distils IMFE.</summary>
    public static Har.HarTrainJobBuilder HarTrain() => new();
}
