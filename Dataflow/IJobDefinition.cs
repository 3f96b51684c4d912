using Dataflow.Actors.Runtime;

namespace Dataflow;

/// <summary>A validated job built by one of the workload builders (<see cref="Job"/>), ready to run.</summary>
public interface IJobDefinition
{
    /// <summary>The workload verb, e.g. <c>train</c>.</summary>
    string Workload { get; }

    /// <summary>The spec submitted to the coordinator under <paramref name="jobId"/>.</summary>
    JobSpec ToSpec(string jobId);
}
