using Akka.Actor;

namespace Dataflow.Actors.Runtime;

/// <summary>A job as submitted: its id, the workload verb and the workload's own spec (MessagePack bytes).</summary>
public sealed record JobSpec(string JobId, string Workload, byte[] Payload) : IDataflowMessage;

/// <summary>Client to coordinator: run <paramref name="Spec"/> and stream progress and the result to <paramref name="Client"/>.</summary>
public sealed record SubmitJob(JobSpec Spec, IActorRef Client) : IDataflowMessage;

/// <summary>Coordinator to client: the job passed validation and is being placed.</summary>
public sealed record JobAccepted(string JobId) : IDataflowMessage;

/// <summary>Job driver to client, once per completed unit of work (a training step, an iteration).</summary>
/// <param name="Metrics">Workload figures for the progress line (loss, energy...), by name.</param>
public sealed record JobProgress(string JobId, long Done, long Total, Dictionary<string, double> Metrics, string Note)
    : IDataflowMessage;

/// <summary>Job driver to client: a piece of an output stream the client writes (e.g. <c>dump</c>, a trajectory
/// frame), in order.</summary>
public sealed record JobOutput(string JobId, string Stream, byte[] Data) : IDataflowMessage;

/// <summary>Job driver to client: the job finished; <paramref name="ResultJson"/> is the workload's JSON result.</summary>
public sealed record JobCompleted(string JobId, string ResultJson) : IDataflowMessage;

/// <summary>Coordinator or driver to client: the job was rejected or cannot go on.</summary>
public sealed record JobFailed(string JobId, string Error) : IDataflowMessage;

/// <summary>Node agent to coordinator, every telemetry interval: liveness, measured throughput and telemetry.</summary>
/// <param name="Throughput">Logical-worker work items per second this node sustained (0 until it has run any).</param>
public sealed record NodeReport(string Node, double Throughput, int Cores, Telemetry.NodeTelemetry Telemetry)
    : IDataflowMessage;

/// <summary>Anyone to coordinator: describe the cluster, its jobs and the latest telemetry.</summary>
public sealed record GetClusterStatus : IDataflowMessage;

/// <summary>One cluster member as the coordinator sees it.</summary>
public sealed record MemberInfo(string Address, string Status, string[] Roles, bool Reachable, double Throughput);

/// <summary>One job as the coordinator sees it.</summary>
/// <param name="Metrics">Workload figures worth watching (an md job's imbalance...), by name; may be null.</param>
public sealed record JobInfo(string JobId, string Workload, string State, long Done, long Total,
    Dictionary<string, int> WorkersPerNode, int PlacementChanges, Dictionary<string, double>? Metrics = null);

/// <summary>Coordinator to asker: reply to <see cref="GetClusterStatus"/>.</summary>
public sealed record ClusterStatus(string Coordinator, MemberInfo[] Members, JobInfo[] Jobs,
    Telemetry.NodeTelemetry[] Nodes, Telemetry.ClusterTelemetry Cluster) : IDataflowMessage;

/// <summary>Job driver to node agent: host this job's stage actor (idempotent; sent before any work).</summary>
public sealed record EnsureStage(JobSpec Spec) : IDataflowMessage;

/// <summary>Node agent to job driver: the job's stage cannot run on this node (it could not be created).</summary>
public sealed record StageUnavailable(string JobId, string Node, string Error) : IDataflowMessage;

/// <summary>Job driver to node agents: the job ended; stop its stage actor and drop its checkpoint.</summary>
public sealed record StopStage(string JobId) : IDataflowMessage;

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
public sealed record ReplicateCheckpoint(JobSpec Spec, IActorRef Client, long Step, byte[] Checkpoint,
    int PlacementChanges, double Seconds, long AcceptedUtcTicks = 0) : IDataflowMessage;

/// <summary>Coordinator to node agents after taking over: which jobs can you resume?</summary>
public sealed record ListRecoverableJobs : IDataflowMessage;

/// <summary>Node agent to coordinator: the checkpoints and job records it holds, in reply to
/// <see cref="ListRecoverableJobs"/>.</summary>
public sealed record RecoverableJobs(ReplicateCheckpoint[] Jobs, JobRecord[] Records) : IDataflowMessage;

/// <summary>Client to coordinator (forwarded to the driver): (re-)attach to a job's progress stream.</summary>
/// <param name="Replay">Send the progress lines so far first (<c>dataflow jobs logs</c>); a client re-attaching to its
/// own job after a quiet spell has them already.</param>
public sealed record WatchJob(string JobId, IActorRef Client, bool Replay = false) : IDataflowMessage;

/// <summary>Client to coordinator (forwarded to the driver): stop the job; it ends with <see cref="JobFailed"/>.</summary>
public sealed record CancelJob(string JobId, string Reason) : IDataflowMessage;

/// <summary>Coordinator to client: no job with that id is running (it may have been lost with its checkpoints).</summary>
public sealed record JobUnknown(string JobId) : IDataflowMessage;
