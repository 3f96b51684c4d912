namespace Dataflow.Actors.Runtime;

/// <summary>A job as the coordinator keeps it, running or ended: what <c>dataflow jobs</c> lists and fetches.</summary>
/// <remarks>Ended jobs' records (with their result or error and last progress lines) are replicated to every node
/// agent and kept for the last <c>dataflow.retained-jobs</c> jobs, so a successor coordinator still has them.</remarks>
/// <param name="State"><c>running</c>, <c>completed</c> or <c>failed</c> (<c>starting</c> before the first placement).</param>
/// <param name="SubmittedUtcTicks">When the cluster accepted the job (UTC ticks).</param>
/// <param name="EndedUtcTicks">When it ended (UTC ticks), 0 while it runs.</param>
/// <param name="DriverNode">The node (<c>host:port</c>) of the coordinator running its driver.</param>
/// <param name="ResultJson">The result of a completed job.</param>
/// <param name="Error">Why a failed job failed.</param>
/// <param name="Log">The last progress lines of an ended job (empty while it runs: its driver has them).</param>
public sealed record JobRecord(string JobId, string Workload, string State, long Done, long Total,
    long SubmittedUtcTicks, long EndedUtcTicks, string DriverNode, string? ResultJson, string? Error,
    JobProgress[] Log) : IDataflowMessage
{
    /// <summary>True once the job completed or failed.</summary>
    public bool HasEnded => EndedUtcTicks > 0;
}

/// <summary>Client to coordinator: list the jobs it knows, running and recently ended.</summary>
public sealed record ListJobs : IDataflowMessage;

/// <summary>Coordinator to client: reply to <see cref="ListJobs"/>, newest first (records without logs).</summary>
public sealed record JobList(JobRecord[] Jobs) : IDataflowMessage;

/// <summary>Client to coordinator: the record of one job (with its result once it ended).</summary>
public sealed record GetJob(string JobId) : IDataflowMessage;

/// <summary>Coordinator to every node agent: keep this ended job's record for a successor coordinator.</summary>
public sealed record ReplicateJobRecord(JobRecord Record) : IDataflowMessage;

/// <summary>Client to coordinator: submit <paramref name="Spec"/> and reply with <see cref="JobAccepted"/> (or
/// <see cref="JobFailed"/>) without following it: a detached job.</summary>
public sealed record SubmitDetached(JobSpec Spec) : IDataflowMessage;
