namespace Dataflow.Actors.Runtime;

/// <summary>A compute node as a job driver places work on it.</summary>
/// <param name="Address">The node's address, <c>host:port</c>.</param>
/// <param name="AgentPath">Full actor path of the node's agent.</param>
/// <param name="Throughput">Measured work items per second, the placement weight.</param>
public sealed record ComputeNode(string Address, string AgentPath, double Throughput);

/// <summary>Coordinator to its job drivers: the set of usable compute nodes changed (sorted by address).</summary>
public sealed record NodesChanged(ComputeNode[] Nodes);

/// <summary>Job driver to coordinator: where the job stands, for <c>dataflow status</c>.</summary>
public sealed record DriverStatus(JobInfo Info);

/// <summary>Job driver to coordinator: the job ended with <paramref name="Outcome"/> (<see cref="JobCompleted"/> or
/// <see cref="JobFailed"/>); <paramref name="Log"/> holds its last progress lines.</summary>
public sealed record DriverFinished(string JobId, IDataflowMessage Outcome, JobProgress[] Log);
