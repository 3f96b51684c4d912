using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Runtime;

/// <summary>The cluster singleton that accepts jobs, tracks compute nodes and supervises one driver per job.</summary>
/// <remarks>
/// Nodes are the members with role <c>compute</c> that are up and reachable. Any change of that set is
/// pushed to every driver, which re-places its logical workers. A driver that throws is restarted and
/// resumes from its last checkpoint. After taking over from a lost coordinator, it asks the node agents for
/// the checkpoints they hold and resumes those jobs.
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
    private readonly Dictionary<string, (IActorRef Driver, JobSpec Spec, JobInfo Info)> _jobs = [];
    private readonly HashSet<string> _finished = [];
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
        Receive<SubmitJob>(Submit);
        Receive<WatchJob>(w =>
        {
            if (_jobs.TryGetValue(w.JobId, out var job))
            {
                job.Driver.Forward(w);
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
            _jobs.Remove(f.JobId);
            _finished.Add(f.JobId);
        });
        Receive<GetClusterStatus>(_ => Sender.Tell(Status()));
        Receive<RecoverTick>(_ =>
        {
            foreach (var node in _nodes)
            {
                Context.ActorSelection(node.AgentPath).Tell(new ListRecoverableJobs());
            }
        });
        Receive<RecoverableJobs>(r =>
        {
            foreach (var job in r.Jobs)
            {
                if (_jobs.ContainsKey(job.Spec.JobId) || _finished.Contains(job.Spec.JobId))
                {
                    continue;
                }
                _log.Warning("resuming job {0} from its step-{1} checkpoint", job.Spec.JobId, job.Step);
                // Losing the coordinator's node is a membership change that moved the job's logical workers.
                StartDriver(job.Spec, job.Client, job with { PlacementChanges = job.PlacementChanges + 1 });
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the coordinator (the singleton manager creates it).</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new JobCoordinator());

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        // A driver that throws restarts from its last checkpoint; a job that keeps failing ends clearly.
        new OneForOneStrategy(maxNrOfRetries: 3, withinTimeRange: TimeSpan.FromMinutes(1),
            localOnlyDecider: _ => Directive.Restart);

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        // A coordinator that starts on a running cluster may be a successor: look for jobs to resume once
        // the agents had a chance to report in, and again while membership settles after the failure.
        foreach (var seconds in new[] { 2, 5, 10, 20 })
        {
            Timers.StartSingleTimer("recover-" + seconds, new RecoverTick(), TimeSpan.FromSeconds(seconds));
        }
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Submit(SubmitJob submit)
    {
        var spec = submit.Spec;
        if (_jobs.ContainsKey(spec.JobId))
        {
            submit.Client.Tell(new JobFailed(spec.JobId, $"a job with id {spec.JobId} is already running"));
            return;
        }
        var workload = Workloads.Find(spec.Workload);
        if (workload is null)
        {
            submit.Client.Tell(new JobFailed(spec.JobId,
                $"unknown workload '{spec.Workload}' (known: {string.Join(", ", Workloads.Names)})"));
            return;
        }
        try
        {
            workload.Validate(spec);
        }
        catch (ArgumentException e)
        {
            submit.Client.Tell(new JobFailed(spec.JobId, $"invalid {spec.Workload} job: {e.Message}"));
            return;
        }
        submit.Client.Tell(new JobAccepted(spec.JobId));
        StartDriver(spec, submit.Client, recovered: null);
    }

    private void StartDriver(JobSpec spec, IActorRef client, ReplicateCheckpoint? recovered)
    {
        var workload = Workloads.Find(spec.Workload)!;
        var driver = Context.ActorOf(workload.DriverProps(spec, client, recovered), "job-" + Uri.EscapeDataString(spec.JobId));
        _jobs[spec.JobId] = (driver, spec, new JobInfo(spec.JobId, spec.Workload, "starting", 0, 0, [], 0));
        driver.Tell(new NodesChanged(_nodes));
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
        foreach (var (driver, _, _) in _jobs.Values)
        {
            driver.Tell(new NodesChanged(nodes));
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
}
