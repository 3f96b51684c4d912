using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Runtime;

/// <summary>The cluster singleton that accepts jobs, tracks compute nodes and supervises one driver per job.</summary>
/// <remarks>
/// Nodes are the members with role <c>compute</c> that are up and reachable. Any change of that set is
/// pushed to every driver, which re-places its logical workers. A driver that throws is restarted and
/// resumes from its last checkpoint. A job's spec is replicated to every node agent when it is accepted, and its
/// checkpoints after; a coordinator (a successor after a lost node, and every 10 s) asks the agents what they hold and
/// resumes every job that is neither running nor ended, from its latest checkpoint or, failing one, from its spec.
/// Ended jobs' records (result or error, last progress lines) are replicated too and kept for
/// <c>dataflow.retained-jobs</c> jobs.
/// </remarks>
public sealed class JobCoordinator : ReceiveActor, IWithTimers
{
    /// <summary>Name of the node agent actor under <c>/user</c> on every node.</summary>
    public const string AgentName = "agent";

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreachable = [];
    private readonly Dictionary<string, NodeReport> _reports = [];
    private readonly Dictionary<string, RunningJob> _jobs = [];
    private readonly Dictionary<string, JobRecord> _records = [];
    private readonly Dictionary<IActorRef, string> _driverFailures = [];
    private Exception? _lastDriverFailure;
    private readonly int _retainedJobs = DataflowSettings.Get(Context.System).RetainedJobs;
    private readonly Dictionary<string, PendingSubmit> _pending = [];
    private ComputeNode[] _nodes = [];

    /// <summary>Creates the coordinator.</summary>
    public JobCoordinator()
    {
        Receive<ClusterEvent.CurrentClusterState>(s =>
        {
            foreach (var m in s.Members.Where(m => m.Status == MemberStatus.Up))
            {
                _members[Key(m.Address)] = m;
            }
            foreach (var m in s.Unreachable)
            {
                _unreachable.Add(Key(m.Address));
            }
            PublishNodes();
        });
        Receive<ClusterEvent.MemberUp>(e => { _members[Key(e.Member.Address)] = e.Member; PublishNodes(); });
        Receive<ClusterEvent.MemberLeft>(e => RemoveMember(e.Member));
        Receive<ClusterEvent.MemberExited>(e => RemoveMember(e.Member));
        Receive<ClusterEvent.MemberRemoved>(e => RemoveMember(e.Member));
        Receive<ClusterEvent.UnreachableMember>(e => { _unreachable.Add(Key(e.Member.Address)); PublishNodes(); });
        Receive<ClusterEvent.ReachableMember>(e => { _unreachable.Remove(Key(e.Member.Address)); PublishNodes(); });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });

        Receive<NodeReport>(r =>
        {
            var isNew = !_reports.ContainsKey(r.Node);
            _reports[r.Node] = r;
            if (isNew)
            {
                PublishNodes();
            }
        });
        Receive<SubmitJob>(submit => Submit(submit.Spec, submit.Client, submit.Client));
        Receive<SubmitDetached>(submit => Submit(submit.Spec, ActorRefs.Nobody, Sender));
        Receive<WatchJob>(w =>
        {
            if (_jobs.TryGetValue(w.JobId, out var job))
            {
                job.Driver.Forward(w);
            }
            else if (_records.TryGetValue(w.JobId, out var record) && record.HasEnded)
            {
                SendEnded(record, w.Client, w.Replay);
            }
            else
            {
                w.Client.Tell(new JobUnknown(w.JobId));
            }
        });
        Receive<CancelJob>(c =>
        {
            if (_jobs.TryGetValue(c.JobId, out var job))
            {
                job.Driver.Forward(c);
            }
        });
        Receive<DriverStatus>(s =>
        {
            if (_jobs.TryGetValue(s.Info.JobId, out var job))
            {
                _jobs[s.Info.JobId] = job with { Info = s.Info };
            }
        });
        Receive<DriverFinished>(f =>
        {
            if (!_jobs.Remove(f.JobId, out var job))
            {
                return;
            }
            Context.Unwatch(job.Driver);
            // The driver's last status says how it ended (completed, failed, cancelled); a driver that could not
            // start reported none.
            Ended(Record(job) with
            {
                State = f.ResultJson is not null ? "completed" : job.Info.State == "cancelled" ? "cancelled" : "failed",
                EndedUtcTicks = DateTime.UtcNow.Ticks,
                ResultJson = f.ResultJson,
                Error = f.ResultJson is null ? f.Error ?? "ended without a result" : null,
                Log = f.Log,
            });
        });
        Receive<Terminated>(t =>
        {
            // A driver that kept throwing was stopped by the supervisor: the job ends here, clearly.
            var stopped = _jobs.Values.FirstOrDefault(j => j.Driver.Equals(t.ActorRef));
            if (stopped.Driver is null)
            {
                return;
            }
            _jobs.Remove(stopped.Spec.JobId);
            var error = _driverFailures.Remove(t.ActorRef, out var cause)
                ? cause
                : "its driver failed repeatedly and was stopped" +
                  (_lastDriverFailure is { } last ? $"; last: {last.Message}" : " (see the coordinator's log)");
            _log.Info("job {0} failed: {1}", stopped.Spec.JobId, error);
            stopped.Client.Tell(new JobFailed(stopped.Spec.JobId, error));
            Ended(Record(stopped) with
            {
                State = "failed",
                EndedUtcTicks = DateTime.UtcNow.Ticks,
                Error = error,
            });
        });
        Receive<DriverRestarted>(_ => Sender.Tell(new NodesChanged(_nodes)));
        Receive<GetClusterStatus>(_ => Sender.Tell(Status()));
        Receive<ListJobs>(_ => Sender.Tell(new JobList(_jobs.Values.Select(Record)
            .Concat(_records.Values.Where(r => r.HasEnded))
            .Select(r => r with { Log = [] })
            .OrderByDescending(r => r.SubmittedUtcTicks)
            .ThenBy(r => r.JobId, StringComparer.Ordinal)
            .ToArray())));
        Receive<GetJob>(g =>
        {
            if (_jobs.TryGetValue(g.JobId, out var job))
            {
                Sender.Tell(Record(job));
            }
            else if (_records.TryGetValue(g.JobId, out var record))
            {
                Sender.Tell(record);
            }
            else
            {
                Sender.Tell(new JobUnknown(g.JobId));
            }
        });
        Receive<RecoverTick>(_ =>
        {
            foreach (var node in _nodes)
            {
                Context.ActorSelection(node.AgentPath).Tell(new ListRecoverableJobs());
            }
        });
        Receive<RecoverableJobs>(r =>
        {
            Recover(r);
            var node = Key(Sender.Path.Address.HasLocalScope ? _cluster.SelfAddress : Sender.Path.Address);
            foreach (var (jobId, pending) in _pending.ToArray())
            {
                pending.Awaiting.Remove(node);
                if (_jobs.ContainsKey(jobId) || _records.ContainsKey(jobId) || pending.Awaiting.Count == 0)
                {
                    Admit(jobId);
                }
            }
        });
        Receive<SubmitTimeout>(t => Admit(t.JobId));
    }

    private void Recover(RecoverableJobs r)
    {
        foreach (var record in r.Records)
        {
            if (record.HasEnded && !_records.ContainsKey(record.JobId))
            {
                _records[record.JobId] = record;
            }
        }
        ReplicaStore.Retain(_records, _retainedJobs);
        foreach (var job in r.Jobs.OrderBy(j => j.AcceptedUtcTicks))
        {
            if (_jobs.ContainsKey(job.Spec.JobId) || _records.ContainsKey(job.Spec.JobId))
            {
                continue;
            }
            if (job.Checkpoint.Length == 0)
            {
                _log.Warning("restarting job {0} from its spec (no checkpoint was replicated)", job.Spec.JobId);
            }
            else
            {
                _log.Warning("resuming job {0} from its step-{1} checkpoint", job.Spec.JobId, job.Step);
            }
            // Losing the coordinator's node is a membership change that moved the job's work.
            StartDriver(job.Spec, job.Client, job with { PlacementChanges = job.PlacementChanges + 1 });
        }
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the coordinator (the singleton manager creates it).</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new JobCoordinator());

    /// <inheritdoc />
    /// <remarks>A driver that throws restarts from its last checkpoint; a job that keeps failing ends clearly. A driver
    /// that cannot be created (a corrupt checkpoint, a spec it cannot run) or cannot read or write its files would fail
    /// the same way again: it is stopped at once, and the client is told the cause in one line.</remarks>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(3, (int)TimeSpan.FromMinutes(1).TotalMilliseconds, e =>
        {
            // Creation failures arrive wrapped (by Akka and by reflection): the driver's own exception names the cause.
            var cause = NodeAgent.CauseOf(e);
            if (e is ActorInitializationException { Actor: { } driver })
            {
                _driverFailures[driver] = $"it cannot start: {cause.Message}";
                return Directive.Stop;
            }
            _lastDriverFailure = cause;
            if (cause is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // Which driver threw is not known here: the Terminated handler reports the last failure.
                return Directive.Stop;
            }
            _log.Error(e, "a job driver failed; restarting it from its last checkpoint");
            return Directive.Restart;
        }, loggingEnabled: false);

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        // A coordinator that starts on a running cluster may be a successor: look for jobs to resume once
        // the agents had a chance to report in, and again while membership settles after the failure.
        foreach (var seconds in new[] { 2, 5 })
        {
            Timers.StartSingleTimer("recover-" + seconds, new RecoverTick(), TimeSpan.FromSeconds(seconds));
        }
        // And from then on: a replica that reached an agent late, or a job whose coordinator died while its spec was
        // on the way, is still found.
        Timers.StartPeriodicTimer("recover", new RecoverTick(), TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Submit(JobSpec spec, IActorRef client, IActorRef replyTo)
    {
        // The id names the job's folder under every host's work directory.
        if (JobFiles.Refusal(spec.JobId) is { } refusal)
        {
            replyTo.Tell(new JobFailed(spec.JobId, refusal));
            return;
        }
        if (!_jobs.ContainsKey(spec.JobId) && !_records.ContainsKey(spec.JobId) && _nodes.Length > 0)
        {
            // A job this coordinator does not know may be one whose client lost track of it in a fail-over and submits
            // it again, while the agents still hold its checkpoints: ask them first, so it resumes from the latest one
            // rather than from its beginning. A new job waits one round trip (at most SubmitGate when a node is slow).
            if (_pending.TryGetValue(spec.JobId, out var waiting))
            {
                _pending[spec.JobId] = waiting with { Client = client, ReplyTo = replyTo };
                return;
            }
            _pending[spec.JobId] = new PendingSubmit(spec, client, replyTo, _nodes.Select(n => n.Address).ToHashSet());
            foreach (var node in _nodes)
            {
                Context.ActorSelection(node.AgentPath).Tell(new ListRecoverableJobs());
            }
            Timers.StartSingleTimer("submit-" + spec.JobId, new SubmitTimeout(spec.JobId), SubmitGate);
            return;
        }
        Start(spec, client, replyTo);
    }

    /// <summary>Ends a submission's wait for the agents: attaches to the job when they held it, else starts it.</summary>
    private void Admit(string jobId)
    {
        if (_pending.Remove(jobId, out var pending))
        {
            Timers.Cancel("submit-" + jobId);
            Start(pending.Spec, pending.Client, pending.ReplyTo);
        }
    }

    private void Start(JobSpec spec, IActorRef client, IActorRef replyTo)
    {
        if (_jobs.TryGetValue(spec.JobId, out var running))
        {
            // The same job submitted again (a client that lost track of it during a fail-over): attach.
            replyTo.Tell(new JobAccepted(spec.JobId));
            if (!client.IsNobody())
            {
                running.Driver.Tell(new WatchJob(spec.JobId, client));
            }
            return;
        }
        if (_records.TryGetValue(spec.JobId, out var ended) && ended.HasEnded)
        {
            replyTo.Tell(new JobAccepted(spec.JobId));
            SendEnded(ended, client, replay: false);
            return;
        }
        var workload = Workloads.Find(spec.Workload);
        if (workload is null)
        {
            replyTo.Tell(new JobFailed(spec.JobId,
                $"unknown workload '{spec.Workload}' (known: {string.Join(", ", Workloads.Names)})"));
            return;
        }
        try
        {
            workload.Validate(spec);
        }
        catch (ArgumentException e)
        {
            replyTo.Tell(new JobFailed(spec.JobId, $"invalid {spec.Workload} job: {e.Message}"));
            return;
        }
        // The spec alone lets any node restart the job from the beginning with the same result: replicate it before
        // anything can be lost (agents keep it until the job ends, superseded by the job's checkpoints).
        var replica = new ReplicateCheckpoint(spec, client, -1, [], 0, 0, DateTime.UtcNow.Ticks);
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(replica);
        }
        replyTo.Tell(new JobAccepted(spec.JobId));
        StartDriver(spec, client, replica);
    }

    private void StartDriver(JobSpec spec, IActorRef client, ReplicateCheckpoint recovered)
    {
        var workload = Workloads.Find(spec.Workload)!;
        var start = new JobStart(spec, client, recovered);
        var driver = Context.ActorOf(workload.DriverProps(start), "job-" + Uri.EscapeDataString(spec.JobId));
        Context.Watch(driver);
        _jobs[spec.JobId] = new RunningJob(driver, spec, client, start.AcceptedUtc.Ticks,
            new JobInfo(spec.JobId, spec.Workload, "starting", 0, 0, [], recovered.PlacementChanges));
        driver.Tell(new NodesChanged(_nodes));
    }

    private JobRecord Record(RunningJob job) => new(job.Spec.JobId, job.Spec.Workload, job.Info.State, job.Info.Done,
        job.Info.Total, job.AcceptedUtcTicks, 0, Key(_cluster.SelfAddress), null, null, []);

    /// <summary>Keeps an ended job's record here and on every node; forgets the oldest beyond the retention.</summary>
    private void Ended(JobRecord record)
    {
        _records[record.JobId] = record;
        ReplicaStore.Retain(_records, _retainedJobs);
        var replica = new ReplicateJobRecord(record);
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(replica);
        }
    }

    private static void SendEnded(JobRecord record, IActorRef client, bool replay)
    {
        if (client.IsNobody())
        {
            return;
        }
        if (replay)
        {
            foreach (var line in record.Log)
            {
                client.Tell(line);
            }
        }
        client.Tell(record.ResultJson is { } json
            ? new JobCompleted(record.JobId, json)
            : new JobFailed(record.JobId, record.Error ?? "failed"));
    }

    private void RemoveMember(Member member)
    {
        var key = Key(member.Address);
        if (_members.Remove(key))
        {
            _unreachable.Remove(key);
            _reports.Remove(key);
            PublishNodes();
        }
    }

    private void PublishNodes()
    {
        var usable = _members.Values
            .Where(m => m.HasRole("compute") && !_unreachable.Contains(Key(m.Address)))
            .ToArray();
        // A node that has not run anything yet is assumed as fast as the mean of those that have.
        var measured = usable
            .Select(m => _reports.TryGetValue(Key(m.Address), out var r) ? r.Throughput : 0)
            .Where(t => t > 0)
            .ToArray();
        var prior = measured.Length > 0 ? measured.Average() : 1.0;
        var nodes = usable
            .Select(m => new ComputeNode(
                Key(m.Address),
                new RootActorPath(m.Address).ToString() + "user/" + AgentName,
                _reports.TryGetValue(Key(m.Address), out var r) && r.Throughput > 0 ? r.Throughput : prior))
            .ToArray();
        if (nodes.Select(n => n.Address).SequenceEqual(_nodes.Select(n => n.Address)))
        {
            _nodes = nodes;
            return;
        }
        _nodes = nodes;
        _log.Info("compute nodes: {0}", string.Join(", ", nodes.Select(n => n.Address)));
        foreach (var job in _jobs.Values)
        {
            job.Driver.Tell(new NodesChanged(nodes));
        }
    }

    private ClusterStatus Status()
    {
        var members = _cluster.State.Members
            .Select(m => new MemberInfo(Key(m.Address), m.Status.ToString(), m.Roles.Order().ToArray(),
                !_cluster.State.Unreachable.Contains(m),
                _reports.TryGetValue(Key(m.Address), out var r) ? r.Throughput : 0))
            .ToArray();
        return new ClusterStatus(
            Key(_cluster.SelfAddress),
            members,
            _jobs.Values.Select(j => j.Info).ToArray(),
            _reports.Values.Select(r => r.Telemetry).ToArray(),
            TelemetryAggregate.Merge(_reports.Values.Select(r => r.Telemetry)));
    }

    /// <summary><c>host:port</c> of an address.</summary>
    public static string Key(Address address) => $"{address.Host}:{address.Port}";

    private sealed record RecoverTick;

    private sealed record SubmitTimeout(string JobId);

    /// <summary>How long a submission of a job this coordinator does not know waits for the agents' replicas.</summary>
    private static readonly TimeSpan SubmitGate = TimeSpan.FromSeconds(3);

    private sealed record PendingSubmit(JobSpec Spec, IActorRef Client, IActorRef ReplyTo, HashSet<string> Awaiting);

    private readonly record struct RunningJob(IActorRef Driver, JobSpec Spec, IActorRef Client, long AcceptedUtcTicks,
        JobInfo Info);
}
