using Akka.Actor;
using MessagePack;

namespace Dataflow.Actors.Runtime;

/// <summary>A job as submitted: its id, the workload verb and the workload's own spec (MessagePack bytes).</summary>
/// <param name="JobId">The job's id; it names the job's folder under a host's work directory, so it is a plain file name
/// (<see cref="JobFiles.IsSafeJobId"/>).</param>
/// <param name="Checkpoint">A checkpoint of the workload that the job starts from instead of its beginning (a resume:
/// the client read it from its own files and ships it), or null. Only the submission and the step-zero replica carry
/// it; once the driver took a checkpoint of its own, that supersedes it.</param>
[MessagePackObject]
public sealed record JobSpec(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Workload,
    [property: Key(2)] byte[] Payload,
    [property: Key(3)] byte[]? Checkpoint = null) : IDataflowMessage;

/// <summary>Client to coordinator: run <paramref name="Spec"/> and stream progress and the result to <paramref name="Client"/>.</summary>
[MessagePackObject]
public sealed record SubmitJob(
    [property: Key(0)] JobSpec Spec,
    [property: Key(1)] IActorRef Client) : IDataflowMessage;

/// <summary>Coordinator to client: the job passed validation and is being placed.</summary>
[MessagePackObject]
public sealed record JobAccepted([property: Key(0)] string JobId) : IDataflowMessage;

/// <summary>Job driver to client, once per completed unit of work (a training step, an iteration).</summary>
/// <param name="Metrics">Workload figures for the progress line (loss, energy...), by name.</param>
[MessagePackObject]
public sealed record JobProgress(
    [property: Key(0)] string JobId,
    [property: Key(1)] long Done,
    [property: Key(2)] long Total,
    [property: Key(3)] Dictionary<string, double> Metrics,
    [property: Key(4)] string Note)
    : IDataflowMessage;

/// <summary>Job driver to client: a piece of an output stream the client writes (e.g. <c>dump</c>, a trajectory
/// frame), in order.</summary>
[MessagePackObject]
public sealed record JobOutput(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Stream,
    [property: Key(2)] byte[] Data) : IDataflowMessage;

/// <summary>Job driver to client: the job finished; <paramref name="ResultJson"/> is the workload's JSON result.</summary>
[MessagePackObject]
public sealed record JobCompleted(
    [property: Key(0)] string JobId,
    [property: Key(1)] string ResultJson) : IDataflowMessage;

/// <summary>Coordinator or driver to client: the job was rejected or cannot go on.</summary>
[MessagePackObject]
public sealed record JobFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Error) : IDataflowMessage;

/// <summary>Node agent to coordinator, every telemetry interval: liveness, measured throughput and telemetry.</summary>
/// <param name="Throughput">Logical-worker work items per second this node sustained (0 until it has run any).</param>
[MessagePackObject]
public sealed record NodeReport(
    [property: Key(0)] string Node,
    [property: Key(1)] double Throughput,
    [property: Key(2)] int Cores,
    [property: Key(3)] Telemetry.NodeTelemetry Telemetry)
    : IDataflowMessage;

/// <summary>Anyone to coordinator: describe the cluster, its jobs and the latest telemetry.</summary>
[MessagePackObject]
public sealed record GetClusterStatus : IDataflowMessage;

/// <summary>One cluster member as the coordinator sees it.</summary>
[MessagePackObject]
public sealed record MemberInfo(
    [property: Key(0)] string Address,
    [property: Key(1)] string Status,
    [property: Key(2)] string[] Roles,
    [property: Key(3)] bool Reachable,
    [property: Key(4)] double Throughput);

/// <summary>One job as the coordinator sees it.</summary>
/// <param name="Metrics">Workload figures worth watching (an md job's imbalance...), by name; may be null.</param>
[MessagePackObject]
public sealed record JobInfo(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Workload,
    [property: Key(2)] string State,
    [property: Key(3)] long Done,
    [property: Key(4)] long Total,
    [property: Key(5)] Dictionary<string, int> WorkersPerNode,
    [property: Key(6)] int PlacementChanges,
    [property: Key(7)] Dictionary<string, double>? Metrics = null);

/// <summary>Coordinator to asker: reply to <see cref="GetClusterStatus"/>.</summary>
[MessagePackObject]
public sealed record ClusterStatus(
    [property: Key(0)] string Coordinator,
    [property: Key(1)] MemberInfo[] Members,
    [property: Key(2)] JobInfo[] Jobs,
    [property: Key(3)] Telemetry.NodeTelemetry[] Nodes,
    [property: Key(4)] Telemetry.ClusterTelemetry Cluster) : IDataflowMessage;

/// <summary>Job driver to node agent: host this job's stage actor (idempotent; sent before any work).</summary>
[MessagePackObject]
public sealed record EnsureStage([property: Key(0)] JobSpec Spec) : IDataflowMessage;

/// <summary>Node agent to job driver: the job's stage cannot run on this node (it could not be created).</summary>
[MessagePackObject]
public sealed record StageUnavailable(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Node,
    [property: Key(2)] string Error) : IDataflowMessage;

/// <summary>Job driver to node agents: the job ended; stop its stage actor and drop its checkpoint.</summary>
[MessagePackObject]
public sealed record StopStage([property: Key(0)] string JobId) : IDataflowMessage;

/// <summary>A message for one job's stage actor on a node; the node agent forwards it by <see cref="JobId"/>.</summary>
public interface IStageMessage : IDataflowMessage
{
    /// <summary>The job whose stage handles the message.</summary>
    string JobId { get; }
}

/// <summary>Job driver to every node agent: keep the job's latest checkpoint so a new coordinator can resume it.</summary>
/// <param name="Checkpoint">The workload's checkpoint bytes.</param>
/// <param name="PlacementChanges">Re-placements so far, carried into the result of a resumed job.</param>
/// <param name="Step">The checkpoint's step; -1 with an empty <paramref name="Checkpoint"/> for the spec alone, replicated
/// when the job is accepted, from which any node can restart the job from the beginning.</param>
/// <param name="Seconds">The job's wall time up to the checkpoint.</param>
/// <param name="AcceptedUtcTicks">When the cluster accepted the job (UTC ticks; 0 if unknown).</param>
[MessagePackObject]
public sealed record ReplicateCheckpoint(
    [property: Key(0)] JobSpec Spec,
    [property: Key(1)] IActorRef Client,
    [property: Key(2)] long Step,
    [property: Key(3)] byte[] Checkpoint,
    [property: Key(4)] int PlacementChanges,
    [property: Key(5)] double Seconds,
    [property: Key(6)] long AcceptedUtcTicks = 0) : IDataflowMessage;

/// <summary>Coordinator to node agents after taking over: which jobs can you resume?</summary>
[MessagePackObject]
public sealed record ListRecoverableJobs : IDataflowMessage;

/// <summary>Node agent to coordinator: the checkpoints and job records it holds, in reply to
/// <see cref="ListRecoverableJobs"/>.</summary>
[MessagePackObject]
public sealed record RecoverableJobs(
    [property: Key(0)] ReplicateCheckpoint[] Jobs,
    [property: Key(1)] JobRecord[] Records) : IDataflowMessage;

/// <summary>Client to coordinator (forwarded to the driver): (re-)attach to a job's progress stream.</summary>
/// <param name="Replay">Send the progress lines so far first (<c>dataflow jobs logs</c>); a client re-attaching to its
/// own job after a quiet spell has them already.</param>
[MessagePackObject]
public sealed record WatchJob(
    [property: Key(0)] string JobId,
    [property: Key(1)] IActorRef Client,
    [property: Key(2)] bool Replay = false) : IDataflowMessage;

/// <summary>Client to coordinator (forwarded to the driver): stop the job; it ends with <see cref="JobFailed"/>.</summary>
[MessagePackObject]
public sealed record CancelJob(
    [property: Key(0)] string JobId,
    [property: Key(1)] string Reason) : IDataflowMessage;

/// <summary>Coordinator to client: no job with that id is running (it may have been lost with its checkpoints).</summary>
[MessagePackObject]
public sealed record JobUnknown([property: Key(0)] string JobId) : IDataflowMessage;
