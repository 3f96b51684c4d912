using MessagePack;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>Cumulative telemetry of one stage actor at one instant; sent inside <see cref="NodeTelemetry"/> by a node agent to whoever aggregates.</summary>
/// <param name="Job">Job id.</param>
/// <param name="Stage">Stage name within the job.</param>
/// <param name="Worker">Logical worker id or actor name.</param>
/// <param name="Node">Node address, host:port.</param>
/// <param name="Messages">Messages handled since the collector started.</param>
/// <param name="BusySeconds">Seconds spent handling them.</param>
/// <param name="Items">Work items completed.</param>
/// <param name="BytesIn">Payload bytes received.</param>
/// <param name="BytesOut">Payload bytes sent.</param>
/// <param name="MailboxDepth">Messages queued at the instant of the sample; 0 when the stage reports none.</param>
/// <param name="ItemsPerSecond">Item rate over the collector's sliding window (see <see cref="TelemetryCollector"/>).</param>
[MessagePackObject]
public sealed record StageSample(
    [property: Key(0)] string Job,
    [property: Key(1)] string Stage,
    [property: Key(2)] string Worker,
    [property: Key(3)] string Node,
    [property: Key(4)] long Messages,
    [property: Key(5)] double BusySeconds,
    [property: Key(6)] long Items,
    [property: Key(7)] long BytesIn,
    [property: Key(8)] long BytesOut,
    [property: Key(9)] int MailboxDepth,
    [property: Key(10)] double ItemsPerSecond);

/// <summary>Memory of one node's process at one instant; sent inside <see cref="NodeTelemetry"/> by a node agent.</summary>
/// <param name="Node">Node address, host:port.</param>
/// <param name="ManagedBytes">Managed heap bytes (<see cref="ProcessMemory.ManagedBytes"/>).</param>
/// <param name="NativeBytes">Resident bytes outside the managed heap (<see cref="ProcessMemory.NativeBytes"/>).</param>
/// <param name="TimestampUnixMs">When the sample was taken, milliseconds since the Unix epoch (UTC).</param>
/// <param name="CpuSeconds">CPU time the process used since it started, user and kernel, in seconds (0 from a node
/// that does not report it); the dashboard shows its rate.</param>
[MessagePackObject]
public sealed record NodeSample(
    [property: Key(0)] string Node,
    [property: Key(1)] long ManagedBytes,
    [property: Key(2)] long NativeBytes,
    [property: Key(3)] long TimestampUnixMs,
    [property: Key(4)] double CpuSeconds = 0);

/// <summary>One node's telemetry snapshot; a node agent publishes it to the cluster, and <see cref="TelemetryAggregate.Merge"/> combines them.</summary>
/// <param name="Node">Memory of the node's process.</param>
/// <param name="Stages">Every stage actor seen on the node, ordered by job, stage and worker.</param>
[MessagePackObject]
public sealed record NodeTelemetry(
    [property: Key(0)] NodeSample Node,
    [property: Key(1)] StageSample[] Stages);

/// <summary>Cluster-wide totals of one stage of one job over all its workers and nodes; part of <see cref="ClusterTelemetry"/>.</summary>
/// <param name="Job">Job id.</param>
/// <param name="Stage">Stage name.</param>
/// <param name="Workers">Number of (worker, node) pairs reporting the stage.</param>
/// <param name="Messages">Sum of messages handled.</param>
/// <param name="BusySeconds">Sum of busy seconds.</param>
/// <param name="Items">Sum of items completed.</param>
/// <param name="BytesIn">Sum of bytes received.</param>
/// <param name="BytesOut">Sum of bytes sent.</param>
/// <param name="MailboxDepth">Sum of the workers' mailbox depths.</param>
/// <param name="ItemsPerSecond">Sum of the workers' item rates.</param>
[MessagePackObject]
public sealed record ClusterStageSample(
    [property: Key(0)] string Job,
    [property: Key(1)] string Stage,
    [property: Key(2)] int Workers,
    [property: Key(3)] long Messages,
    [property: Key(4)] double BusySeconds,
    [property: Key(5)] long Items,
    [property: Key(6)] long BytesIn,
    [property: Key(7)] long BytesOut,
    [property: Key(8)] long MailboxDepth,
    [property: Key(9)] double ItemsPerSecond);

/// <summary>Totals of one node over all its stages, with its memory; part of <see cref="ClusterTelemetry"/>.</summary>
/// <param name="Node">Node address, host:port.</param>
/// <param name="ManagedBytes">Managed heap bytes of the node's process.</param>
/// <param name="NativeBytes">Native resident bytes of the node's process.</param>
/// <param name="TimestampUnixMs">When the node's snapshot was taken, milliseconds since the Unix epoch.</param>
/// <param name="Stages">Number of stage actors reported by the node.</param>
/// <param name="Messages">Sum of messages handled.</param>
/// <param name="BusySeconds">Sum of busy seconds.</param>
/// <param name="Items">Sum of items completed.</param>
/// <param name="BytesIn">Sum of bytes received.</param>
/// <param name="BytesOut">Sum of bytes sent.</param>
/// <param name="MailboxDepth">Sum of mailbox depths.</param>
/// <param name="ItemsPerSecond">Sum of item rates.</param>
[MessagePackObject]
public sealed record ClusterNodeSample(
    [property: Key(0)] string Node,
    [property: Key(1)] long ManagedBytes,
    [property: Key(2)] long NativeBytes,
    [property: Key(3)] long TimestampUnixMs,
    [property: Key(4)] int Stages,
    [property: Key(5)] long Messages,
    [property: Key(6)] double BusySeconds,
    [property: Key(7)] long Items,
    [property: Key(8)] long BytesIn,
    [property: Key(9)] long BytesOut,
    [property: Key(10)] long MailboxDepth,
    [property: Key(11)] double ItemsPerSecond);

/// <summary>Cluster-wide telemetry built by <see cref="TelemetryAggregate.Merge"/>; published by the aggregating node agent to status readers.</summary>
/// <param name="Stages">Totals per (job, stage), ordered by job then stage.</param>
/// <param name="Nodes">Totals per node, ordered by node.</param>
[MessagePackObject]
public sealed record ClusterTelemetry(
    [property: Key(0)] ClusterStageSample[] Stages,
    [property: Key(1)] ClusterNodeSample[] Nodes);
