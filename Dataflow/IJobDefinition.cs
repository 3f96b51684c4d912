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

/// <summary>A job whose output files its client writes itself, where its user chose (a train or nqs job's checkpoints
/// in its checkpoint directory): <see cref="DataflowCluster.RunAsync(IJobDefinition, IProgress{JobProgress}?,
/// Action{JobOutput}?, CancellationToken)"/> hands it every output the job streams back.</summary>
/// <remarks>The hosts never write at a path the client names: they keep the files under their own work directory and
/// send them to the client.</remarks>
public interface IJobOutputWriter
{
    /// <summary>Writes <paramref name="output"/> if it is one of the job's files (validated first); ignores other streams.</summary>
    /// <exception cref="InvalidDataException">The output is not a valid file of the job (a corrupt checkpoint).</exception>
    void Write(JobOutput output);
}
