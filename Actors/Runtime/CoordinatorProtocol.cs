using MessagePack;

namespace Dataflow.Actors.Runtime;

/// <summary>A compute node as a job driver places work on it.</summary>
/// <param name="Address">The node's address, <c>host:port</c>.</param>
/// <param name="AgentPath">Full actor path of the node's agent.</param>
/// <param name="Throughput">Measured work items per second, the placement weight.</param>
[MessagePackObject]
public sealed record ComputeNode(
    [property: Key(0)] string Address,
    [property: Key(1)] string AgentPath,
    [property: Key(2)] double Throughput);

/// <summary>Coordinator to its job drivers: the set of usable compute nodes changed (sorted by address).</summary>
[MessagePackObject]
public sealed record NodesChanged([property: Key(0)] ComputeNode[] Nodes);

/// <summary>Job driver to coordinator: where the job stands, for <c>dataflow status</c>.</summary>
[MessagePackObject]
public sealed record DriverStatus([property: Key(0)] JobInfo Info);

/// <summary>Job driver to coordinator: the job ended, with its result (completed) or its error (failed);
/// <paramref name="Log"/> holds its last progress lines.</summary>
[MessagePackObject]
public sealed record DriverFinished(
    [property: Key(0)] string JobId,
    [property: Key(1)] string? ResultJson,
    [property: Key(2)] string? Error,
    [property: Key(3)] JobProgress[] Log);

/// <summary>Job driver to coordinator, after the coordinator restarted it (it threw): send me the compute nodes.</summary>
[MessagePackObject]
public sealed record DriverRestarted([property: Key(0)] string JobId);
