using Akka.Actor;
using Akka.Event;
using Dataflow.Kernels.Scheduling;

namespace Dataflow.Actors.Runtime;

/// <summary>What a job driver starts from: the spec, the submitting client and, when resuming, the latest checkpoint
/// (a replica, or else the checkpoint the client submitted with the job, <see cref="JobSpec.Checkpoint"/>).</summary>
/// <remarks>One instance per driver, kept across restarts of the driver actor (the coordinator restarts a driver that
/// throws): every checkpoint the driver replicates is also recorded here, so a restarted driver resumes from it.</remarks>
public sealed class JobStart
{
    /// <summary>A fresh start (from the spec's own checkpoint when it carries one), or a resume from
    /// <paramref name="recovered"/> (a replica a node agent held).</summary>
    public JobStart(JobSpec spec, IActorRef client, ReplicateCheckpoint? recovered = null)
    {
        Spec = spec;
        Client = client;
        AcceptedUtc = recovered is { AcceptedUtcTicks: > 0 }
            ? new DateTime(recovered.AcceptedUtcTicks, DateTimeKind.Utc)
            : DateTime.UtcNow;
        if (recovered is { Checkpoint.Length: > 0 })
        {
            Step = recovered.Step;
            Checkpoint = recovered.Checkpoint;
        }
        else if (spec.Checkpoint is { Length: > 0 } submitted)
        {
            Checkpoint = submitted;
        }
        PlacementChanges = recovered?.PlacementChanges ?? 0;
    }

    /// <summary>The job.</summary>
    public JobSpec Spec { get; }

    /// <summary>The client that submitted it (progress and the result go there and to later watchers).</summary>
    public IActorRef Client { get; }

    /// <summary>When the cluster accepted the job; the job's <c>seconds</c> count from here, across fail-overs.</summary>
    public DateTime AcceptedUtc { get; }

    /// <summary>The step of <see cref="Checkpoint"/> (0 for a checkpoint the client submitted).</summary>
    public long Step { get; internal set; }

    /// <summary>The workload's latest checkpoint bytes, or null for a start from the spec alone.</summary>
    public byte[]? Checkpoint { get; internal set; }

    /// <summary>Re-placements up to <see cref="Checkpoint"/> (carried into the result of a resumed job).</summary>
    public int PlacementChanges { get; internal set; }
}

/// <summary>The base of every workload's driver: the job's lifecycle on the coordinator's node.</summary>
/// <remarks>
/// It owns what every job has: the compute nodes and their changes (<see cref="Nodes"/>, placement generations,
/// re-placement counting), the step timeout, restarts with a bound, checkpoint replication to every node, progress to
/// the client and to later watchers (with a bounded backlog), the job's line in <c>dataflow status</c>, cancellation,
/// stages that cannot start, the job's wall time across coordinator fail-overs, and the end of the job (stages
/// stopped, the coordinator told). A workload's driver holds only its own protocol and state: it places work in
/// <see cref="OnPlaced"/>, resumes in <see cref="OnRestart"/>, and ends with <see cref="Complete"/> or <see cref="Fail"/>.
/// </remarks>
public abstract class JobDriver : ReceiveActor, IWithTimers
{
    private const int BacklogLines = 2000;
    private readonly System.Diagnostics.Activity? _span;
    private (long Done, long Timestamp)? _stepClock;
    private readonly JobStart _start;
    private readonly JobSpec _specAlone;
    private readonly string _workDirectory;
    private readonly TimeSpan _stepTimeout;
    private readonly HashSet<IActorRef> _watchers = [];
    private readonly Queue<JobProgress> _backlog = new();
    private int _restarts;
    private bool _placed;
    private bool _replicated;

    /// <summary>Creates the driver of <paramref name="start"/>'s job.</summary>
    protected JobDriver(JobStart start)
    {
        _start = start;
        Spec = start.Spec;
        // Stages and checkpoint replicas need the job without the checkpoint it was submitted with.
        _specAlone = start.Spec with { Checkpoint = null };
        _workDirectory = DataflowSettings.Get(Context.System).WorkDir;
        PlacementChanges = start.PlacementChanges;
        _stepTimeout = DataflowSettings.Get(Context.System).StepTimeout;
        AddWatcher(start.Client);
        // A span for the job's run on this driver, for OTLP trace exporters (dataflow host --otlp-endpoint); not made
        // ambient, as other actors share this thread.
        var ambient = System.Diagnostics.Activity.Current;
        _span = Telemetry.DataflowMeter.Activities.StartActivity($"{Spec.Workload} job", System.Diagnostics.ActivityKind.Internal);
        System.Diagnostics.Activity.Current = ambient;
        _span?.SetTag(Telemetry.DataflowMeter.JobTag, JobId).SetTag(Telemetry.DataflowMeter.WorkloadTag, Spec.Workload)
            .SetTag("resumed_from_step", start.Step);

        Receive<NodesChanged>(OnNodesChanged);
        Receive<StepTimedOut>(t =>
        {
            if (t.Generation == Generation && !Ended)
            {
                OnStepTimeout();
            }
        });
        Receive<WatchJob>(w =>
        {
            AddWatcher(w.Client);
            if (w.Replay)
            {
                foreach (var line in _backlog)
                {
                    w.Client.Tell(line);
                }
            }
        });
        Receive<Terminated>(t => _watchers.Remove(t.ActorRef));
        Receive<StageUnavailable>(u => Fail($"its stage cannot run on {u.Node}: {u.Error}"));
        Receive<CancelJob>(c => FailAs($"cancelled: {c.Reason}", "cancelled"));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    /// <remarks>The new instance resumes from the latest checkpoint (<see cref="StartCheckpoint"/>) once the
    /// coordinator answers with the nodes.</remarks>
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        Context.Parent.Tell(new DriverRestarted(JobId));
    }

    /// <summary>The job.</summary>
    protected JobSpec Spec { get; }

    /// <summary>The job's id.</summary>
    protected string JobId => Spec.JobId;

    /// <summary>The usable compute nodes, sorted by address.</summary>
    protected ComputeNode[] Nodes { get; private set; } = [];

    /// <summary>The placement generation: bumped by <see cref="NewGeneration"/>; replies of older generations are stale.</summary>
    protected int Generation { get; private set; }

    /// <summary>How often the job's work moved because the nodes changed.</summary>
    protected int PlacementChanges { get; private set; }

    /// <summary>Restarts so far (<see cref="Restart"/>).</summary>
    protected int Restarts => _restarts;

    /// <summary>True once the job completed or failed.</summary>
    protected bool Ended { get; private set; }

    /// <summary>The job's wall time since the cluster accepted it, including time before coordinator fail-overs.</summary>
    protected double Seconds => Math.Max(0, (DateTime.UtcNow - _start.AcceptedUtc).TotalSeconds);

    /// <summary>The checkpoint to start from (a replica or the last one this driver took), or null at the start.</summary>
    protected byte[]? StartCheckpoint => _start.Checkpoint;

    /// <summary>The driver's logger.</summary>
    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>Restarts allowed before the job fails (<see cref="Restart"/>).</summary>
    protected virtual int MaxRestarts => 8;

    /// <summary>Called when the set of usable nodes changed and is not empty (stages already requested): (re)place
    /// the work on <see cref="Nodes"/>.</summary>
    protected abstract void OnPlaced();

    /// <summary>Called by <see cref="Restart"/>: resume from the last checkpoint on <see cref="Nodes"/> (not empty).</summary>
    protected abstract void OnRestart();

    /// <summary>The job's progress for <c>dataflow status</c>: done and total units of work.</summary>
    protected abstract (long Done, long Total) Position { get; }

    /// <summary>Whether going from <paramref name="previous"/> to <paramref name="next"/> moves the job's work; by
    /// default any change of the set of addresses does.</summary>
    protected virtual bool MovesWork(ComputeNode[] previous, ComputeNode[] next) =>
        !next.Select(n => n.Address).SequenceEqual(previous.Select(n => n.Address));

    /// <summary>Logical work items per node address, for <c>dataflow status</c>.</summary>
    protected virtual Dictionary<string, int> WorkPerNode() => [];

    /// <summary>Workload figures for <c>dataflow status</c>, or null.</summary>
    protected virtual Dictionary<string, double>? StatusMetrics() => null;

    // The metrics of the latest progress report: the status carries them (the dashboard charts them live).
    private Dictionary<string, double>? _progressMetrics;

    /// <summary>A step took longer than <c>dataflow.step-timeout</c>: by default restart from the last checkpoint.</summary>
    protected virtual void OnStepTimeout() =>
        Restart($"no progress for {_stepTimeout.TotalSeconds:0} s");

    /// <summary>Starts a new placement generation and returns it.</summary>
    protected int NewGeneration() => ++Generation;

    /// <summary>(Re)arms the step timeout for the current generation.</summary>
    protected void ArmStepTimeout() =>
        Timers.StartSingleTimer("step-timeout", new StepTimedOut(Generation), _stepTimeout);

    /// <summary>Cancels the step timeout.</summary>
    protected void DisarmStepTimeout() => Timers.Cancel("step-timeout");

    /// <summary>A stage failed or a step timed out: resume from the last checkpoint, or fail after
    /// <see cref="MaxRestarts"/> restarts.</summary>
    protected void Restart(string why)
    {
        if (Ended)
        {
            return;
        }
        if (++_restarts > MaxRestarts)
        {
            Fail($"gave up after {MaxRestarts} restarts; last: {why}");
            return;
        }
        Log.Warning("job {0}: restarting from the last checkpoint: {1}", JobId, why);
        if (Nodes.Length > 0)
        {
            EnsureStages();
            OnRestart();
        }
    }

    /// <summary>Forgets earlier restarts (the job made progress since).</summary>
    protected void ResetRestarts() => _restarts = 0;

    /// <summary>The agent of node <paramref name="index"/> of <see cref="Nodes"/>.</summary>
    protected ActorSelection Agent(int index) => Context.ActorSelection(Nodes[index].AgentPath);

    /// <summary>Asks every node to host the job's stage (idempotent).</summary>
    protected void EnsureStages()
    {
        for (var n = 0; n < Nodes.Length; n++)
        {
            Agent(n).Tell(new EnsureStage(_specAlone));
        }
    }

    /// <summary>The node index of each of <paramref name="count"/> work items, by measured throughput (contiguous blocks).</summary>
    protected int[] Assign(int count) => ProportionalPlacement.Assign(count, Nodes.Select(n => n.Throughput).ToArray());

    /// <summary>Work items 0..count-1 spread over the nodes by measured throughput: each node's agent and its items.</summary>
    protected IEnumerable<(ActorSelection Agent, int[] Items)> Place(int count)
    {
        var placement = Assign(count);
        for (var n = 0; n < Nodes.Length; n++)
        {
            var items = Enumerable.Range(0, count).Where(i => placement[i] == n).ToArray();
            if (items.Length > 0)
            {
                yield return (Agent(n), items);
            }
        }
    }

    /// <summary>Keeps <paramref name="checkpoint"/> as the job's latest (a restarted driver resumes from it) and
    /// replicates it to every node, so that a successor coordinator resumes the job if this node dies.</summary>
    protected void Replicate(long step, byte[] checkpoint)
    {
        _start.Step = step;
        _start.Checkpoint = checkpoint;
        _start.PlacementChanges = PlacementChanges;
        ReplicateLatest();
    }

    private void ReplicateLatest()
    {
        _replicated = true;
        var replica = _start.Checkpoint is { } bytes
            ? new ReplicateCheckpoint(_specAlone, _start.Client, _start.Step, bytes, _start.PlacementChanges, Seconds,
                _start.AcceptedUtc.Ticks)
            : new ReplicateCheckpoint(Spec, _start.Client, -1, [], PlacementChanges, Seconds, _start.AcceptedUtc.Ticks);
        for (var n = 0; n < Nodes.Length; n++)
        {
            Agent(n).Tell(replica);
        }
    }

    /// <summary>Sends a progress line to the client and every watcher, keeps it in the backlog, and updates the status.</summary>
    protected void Progress(long done, long total, Dictionary<string, double> metrics, string note)
    {
        var progress = new JobProgress(JobId, done, total, metrics, note);
        _progressMetrics = metrics;
        RecordStepDuration(done);
        if (_backlog.Count == BacklogLines)
        {
            _backlog.Dequeue();
        }
        _backlog.Enqueue(progress);
        foreach (var watcher in _watchers)
        {
            watcher.Tell(progress);
        }
        ReportStatus("running");
    }

    // Units of work since the last progress report share its wall time: one histogram sample each.
    private void RecordStepDuration(long done)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_stepClock is var (lastDone, lastTimestamp) && done > lastDone)
        {
            var perStep = System.Diagnostics.Stopwatch.GetElapsedTime(lastTimestamp, now) / (done - lastDone);
            var tags = new System.Diagnostics.TagList
            {
                { Telemetry.DataflowMeter.JobTag, JobId },
                { Telemetry.DataflowMeter.WorkloadTag, Spec.Workload },
            };
            for (var k = lastDone; k < done; k++)
            {
                Telemetry.DataflowMeter.JobStepDuration.Record(perStep.TotalSeconds, in tags);
            }
        }
        if (_stepClock is null || done != _stepClock.Value.Done)
        {
            _stepClock = (done, now);
        }
    }

    /// <summary>Sends a piece of an output stream (a trajectory frame...) to the client and every watcher.</summary>
    protected void Output(string stream, byte[] data)
    {
        var output = new JobOutput(JobId, stream, data);
        foreach (var watcher in _watchers)
        {
            watcher.Tell(output);
        }
    }

    /// <summary>A checkpoint the job keeps as a file: written as <paramref name="fileName"/> in the job's folder under
    /// this node's work directory (<c>dataflow host --work-dir</c>; an embedded cluster has none) and sent to the client
    /// and every watcher as output stream <see cref="JobFiles.CheckpointStream"/>, for it to write where its user
    /// chose.</summary>
    /// <remarks>A file that cannot be written is logged; the job goes on (its replicas are what it resumes from).</remarks>
    protected void OutputCheckpoint(string fileName, byte[] checkpoint)
    {
        if (_workDirectory.Length > 0)
        {
            try
            {
                JobFiles.WriteAtomically(Path.Combine(JobFiles.JobFolder(_workDirectory, JobId), fileName), checkpoint);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                Log.Warning("job {0}: cannot write checkpoint {1} under the work directory {2}: {3}", JobId, fileName,
                    _workDirectory, e.Message);
            }
        }
        Output(JobFiles.CheckpointStream, checkpoint);
    }

    /// <summary>A piece of an output stream the job also keeps as a file (an md trajectory): appended to
    /// <paramref name="fileName"/> in the job's folder under this node's work directory (an embedded cluster has none),
    /// then sent to the client and every watcher as <paramref name="stream"/>.</summary>
    /// <remarks>A file that cannot be written is logged; the job goes on (the client still gets the piece).</remarks>
    protected void OutputAppended(string stream, string fileName, byte[] data)
    {
        if (_workDirectory.Length > 0)
        {
            try
            {
                var folder = JobFiles.JobFolder(_workDirectory, JobId);
                Directory.CreateDirectory(folder);
                using var file = new FileStream(Path.Combine(folder, fileName), FileMode.Append, FileAccess.Write);
                file.Write(data);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                Log.Warning("job {0}: cannot append to {1} under the work directory {2}: {3}", JobId, fileName,
                    _workDirectory, e.Message);
            }
        }
        Output(stream, data);
    }

    /// <summary>Tells the coordinator where the job stands (for <c>dataflow status</c> and <c>dataflow jobs</c>).</summary>
    protected void ReportStatus(string state)
    {
        var (done, total) = Position;
        Context.Parent.Tell(new DriverStatus(new JobInfo(JobId, Spec.Workload, state, done, total,
            Ended ? [] : WorkPerNode(), PlacementChanges, StatusAndProgressMetrics())));
    }

    // The latest progress report's metrics and the driver's own status metrics (which win on a shared name).
    private Dictionary<string, double>? StatusAndProgressMetrics()
    {
        var own = StatusMetrics();
        if (_progressMetrics is not { Count: > 0 } progress)
        {
            return own;
        }
        var merged = new Dictionary<string, double>(progress);
        foreach (var (name, value) in own ?? [])
        {
            merged[name] = value;
        }
        return merged;
    }

    /// <summary>Ends the job with its result, stamped with the job's id and wall time.</summary>
    protected void Complete(WorkloadResult result)
    {
        if (Ended)
        {
            return;
        }
        var completed = new JobCompleted(JobId, (result with { JobId = JobId, Seconds = Math.Round(Seconds, 3) }).ToJson());
        foreach (var watcher in _watchers)
        {
            watcher.Tell(completed);
        }
        End("completed", completed);
    }

    /// <summary>Ends the job with an error (a no-op once the job ended).</summary>
    protected void Fail(string error) => FailAs(error, "failed");

    /// <summary>Ends the job with an error, in <paramref name="state"/> (<c>failed</c> or <c>cancelled</c>).</summary>
    private void FailAs(string error, string state)
    {
        if (Ended)
        {
            return;
        }
        var failed = new JobFailed(JobId, error);
        foreach (var watcher in _watchers)
        {
            watcher.Tell(failed);
        }
        End(state, failed);
    }

    private void End(string state, IDataflowMessage outcome)
    {
        Ended = true;
        _span?.SetTag("state", state).SetStatus(state == "completed" ? System.Diagnostics.ActivityStatusCode.Ok
            : System.Diagnostics.ActivityStatusCode.Error, (outcome as JobFailed)?.Error);
        _span?.Stop();
        DisarmStepTimeout();
        ReportStatus(state);
        for (var n = 0; n < Nodes.Length; n++)
        {
            Agent(n).Tell(new StopStage(JobId));
        }
        Context.Parent.Tell(new DriverFinished(JobId, (outcome as JobCompleted)?.ResultJson, (outcome as JobFailed)?.Error,
            _backlog.ToArray()));
        Context.Stop(Self);
    }

    private void AddWatcher(IActorRef watcher)
    {
        if (!watcher.IsNobody() && _watchers.Add(watcher))
        {
            Context.Watch(watcher);
        }
    }

    private void OnNodesChanged(NodesChanged changed)
    {
        // Placed implies nodes: an empty set ends the placement.
        if (_placed && !MovesWork(Nodes, changed.Nodes))
        {
            Nodes = changed.Nodes;
            return;
        }
        if (_placed)
        {
            PlacementChanges++;
        }
        Nodes = changed.Nodes;
        if (Nodes.Length == 0)
        {
            _placed = false;
            NewGeneration();
            DisarmStepTimeout();
            Progress(Position.Done, Position.Total, [], "waiting for compute nodes");
            return;
        }
        _placed = true;
        EnsureStages();
        _replicated = false;
        OnPlaced();
        if (!_replicated)
        {
            // Nodes that joined since the last checkpoint get the job's latest replica (the spec alone at first).
            ReplicateLatest();
        }
    }

    private sealed record StepTimedOut(int Generation);
}
