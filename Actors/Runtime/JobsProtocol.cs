using MessagePack;

namespace Dataflow.Actors.Runtime;

/// <summary>A job as the coordinator keeps it, running or ended: what <c>dataflow jobs</c> lists and fetches.</summary>
/// <remarks>Ended jobs' records (with their result or error and last progress lines) are replicated to every node
/// agent and kept for the last <c>dataflow.retained-jobs</c> jobs, so a successor coordinator still has them.</remarks>
/// <param name="State"><c>starting</c>, <c>running</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</param>
/// <param name="SubmittedUtcTicks">When the cluster accepted the job (UTC ticks).</param>
/// <param name="EndedUtcTicks">When it ended (UTC ticks), 0 while it runs.</param>
/// <param name="DriverNode">The node (<c>host:port</c>) of the coordinator running its driver.</param>
/// <param name="ResultJson">The result of a completed job.</param>
/// <param name="Error">Why a failed job failed.</param>
/// <param name="Log">The last progress lines of an ended job (empty while it runs: its driver has them).</param>
[MessagePackObject]
public sealed record JobRecord(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Workload,
    [property: Key(2)] string State,
    [property: Key(3)] long Done,
    [property: Key(4)] long Total,
    [property: Key(5)] long SubmittedUtcTicks,
    [property: Key(6)] long EndedUtcTicks,
    [property: Key(7)] string DriverNode,
    [property: Key(8)] string? ResultJson,
    [property: Key(9)] string? Error,
    [property: Key(10)] JobProgress[] Log) : IDataflowMessage
{
    /// <summary>True once the job completed or failed.</summary>
    [IgnoreMember]
    public bool HasEnded => EndedUtcTicks > 0;
}

/// <summary>Client to coordinator: list the jobs it knows, running and recently ended.</summary>
[MessagePackObject]
public sealed record ListJobs : IDataflowMessage;

/// <summary>Coordinator to client: reply to <see cref="ListJobs"/>, newest first (records without logs).</summary>
[MessagePackObject]
public sealed record JobList([property: Key(0)] JobRecord[] Jobs) : IDataflowMessage;

/// <summary>Client to coordinator: the record of one job (with its result once it ended).</summary>
[MessagePackObject]
public sealed record GetJob([property: Key(0)] string JobId) : IDataflowMessage;

/// <summary>Coordinator to every node agent: keep this ended job's record for a successor coordinator.</summary>
[MessagePackObject]
public sealed record ReplicateJobRecord([property: Key(0)] JobRecord Record) : IDataflowMessage;

/// <summary>Client to coordinator: submit <paramref name="Spec"/> and reply with <see cref="JobAccepted"/> (or
/// <see cref="JobFailed"/>) without following it: a detached job.</summary>
[MessagePackObject]
public sealed record SubmitDetached([property: Key(0)] JobSpec Spec) : IDataflowMessage;

/// <summary>Client to a node agent: the files job <paramref name="JobId"/> left under that node's work directory
/// (<c>&lt;work-dir&gt;/&lt;job-id&gt;/</c>), less those named in <paramref name="Skip"/> (received in an earlier
/// round); the agent replies with <see cref="JobFilesReply"/>.</summary>
[MessagePackObject]
public sealed record FetchJobFiles(
    [property: Key(0)] string JobId,
    [property: Key(1)] string[] Skip) : IDataflowMessage;

/// <summary>Node agent to client: reply to <see cref="FetchJobFiles"/>, the newest of the job's files that fit in one
/// remoting frame, ordered by name.</summary>
/// <param name="Node">The node (<c>host:port</c>) that read them.</param>
/// <param name="ModifiedUtcTicks">When each file was last written (UTC ticks), to keep the newest copy of a name that
/// several nodes hold.</param>
/// <param name="LeftOut">How many more files the folder holds that did not fit in this reply.</param>
/// <param name="Error">Why the node cannot list the job's files (a refused id, no work directory); an empty reply
/// without an error means it holds none.</param>
[MessagePackObject]
public sealed record JobFilesReply(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Node,
    [property: Key(2)] string[] Names,
    [property: Key(3)] byte[][] Contents,
    [property: Key(4)] long[] ModifiedUtcTicks,
    [property: Key(5)] int LeftOut,
    [property: Key(6)] string? Error) : IDataflowMessage;
