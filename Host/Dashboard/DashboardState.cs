using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host.Dashboard;

/// <summary>The dashboard's view of the cluster: asks the coordinator for its status and job list every
/// <see cref="Interval"/>, keeps each job's metric history and the rates the page shows (CPU, busy time), and hands
/// out the latest <see cref="DashboardDocument"/>.</summary>
/// <remarks>The coordinator's status carries each job's latest metrics (those of its latest progress report and its
/// driver's own); one point per unit of work done is kept, the last <see cref="MaxPoints"/> of each metric. A job whose
/// metrics carry <see cref="InnerIterations"/> (a running count of iterations inside its units of work, as fci's
/// Davidson iterations over every symmetry block) is charted against that count instead.</remarks>
/// <param name="host">This host's address.</param>
/// <param name="coordinator">The job coordinator (its singleton proxy).</param>
internal sealed class DashboardState(string host, IActorRef coordinator)
{
    /// <summary>How often the coordinator is asked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>The points kept per metric of a job.</summary>
    public const int MaxPoints = 2000;

    /// <summary>The metric that, when a job reports it, is the x of its points in place of the units of work done.</summary>
    public const string InnerIterations = "iterations";

    private readonly Dictionary<string, SortedDictionary<string, SortedDictionary<long, double>>> _history = [];
    private readonly Dictionary<string, (double CpuSeconds, long TimeUnixMs)> _cpu = [];
    private readonly Dictionary<(string Job, string Stage, string Worker, string Node), (double Busy, long TimeUnixMs)> _busy = [];
    private readonly Dictionary<string, double> _cpuCores = [];
    private readonly HashSet<string> _logMerged = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Job, string Stage, string Worker, string Node), double> _busyFraction = [];
    private DashboardDocument _latest = new(DashboardDocument.CurrentSchemaVersion, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        host, null, "waiting for the first status", 0, [], [], []);

    /// <summary>The latest document.</summary>
    public DashboardDocument Latest => Volatile.Read(ref _latest);

    /// <summary>Signalled after every poll.</summary>
    public event Action? Updated;

    /// <summary>Polls until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            DashboardDocument document;
            try
            {
                var status = await coordinator.Ask<ClusterStatus>(new GetClusterStatus(), TimeSpan.FromSeconds(5), stop);
                var jobs = await coordinator.Ask<JobList>(new ListJobs(), TimeSpan.FromSeconds(5), stop);
                // A job that ended since the last poll may have reported more than this host saw (its last progress
                // and its end can fall between two polls): its record's log holds every report.
                foreach (var ended in jobs.Jobs.Where(r => r.HasEnded && _history.ContainsKey(r.JobId) && !_logMerged.Contains(r.JobId)).ToArray())
                {
                    if (await coordinator.Ask<object>(new GetJob(ended.JobId), TimeSpan.FromSeconds(5), stop) is JobRecord full)
                    {
                        MergeLog(full);
                    }
                    _logMerged.Add(ended.JobId);
                }
                document = Build(status, jobs.Jobs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
            {
                // No coordinator yet (the cluster is forming) or it is moving: the page says so and keeps the last view.
                document = Latest with
                {
                    TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    Error = "the job coordinator does not answer (the cluster is forming or its coordinator is moving)",
                };
            }
            Volatile.Write(ref _latest, document);
            Updated?.Invoke();
            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The document of one poll; updates the histories and rates.</summary>
    internal DashboardDocument Build(ClusterStatus status, IReadOnlyList<JobRecord> records, long nowUnixMs)
    {
        var telemetry = status.Nodes.ToDictionary(n => n.Node.Node, StringComparer.Ordinal);
        foreach (var n in status.Nodes)
        {
            if (n.Node.CpuSeconds > 0)
            {
                if (_cpu.TryGetValue(n.Node.Node, out var before) && n.Node.TimestampUnixMs > before.TimeUnixMs)
                {
                    _cpuCores[n.Node.Node] = Math.Max(0, (n.Node.CpuSeconds - before.CpuSeconds) * 1000 / (n.Node.TimestampUnixMs - before.TimeUnixMs));
                }
                if (!_cpu.TryGetValue(n.Node.Node, out before) || n.Node.TimestampUnixMs > before.TimeUnixMs)
                {
                    _cpu[n.Node.Node] = (n.Node.CpuSeconds, n.Node.TimestampUnixMs);
                }
            }
        }
        var members = status.Members.Where(m => !IsClient(m)).OrderBy(m => m.Address, StringComparer.Ordinal).Select(m =>
        {
            var t = telemetry.GetValueOrDefault(m.Address);
            return new DashboardMember(m.Address, m.Status, m.Roles, m.Reachable, m.Throughput, t?.Node.ManagedBytes,
                t?.Node.NativeBytes, _cpuCores.TryGetValue(m.Address, out var cores) ? Math.Round(cores, 3) : null);
        }).ToArray();

        var stages = new List<DashboardStage>();
        foreach (var n in status.Nodes.OrderBy(n => n.Node.Node, StringComparer.Ordinal))
        {
            foreach (var s in n.Stages)
            {
                var key = (s.Job, s.Stage, s.Worker, n.Node.Node);
                if (_busy.TryGetValue(key, out var before) && n.Node.TimestampUnixMs > before.TimeUnixMs)
                {
                    _busyFraction[key] = Math.Max(0, (s.BusySeconds - before.Busy) * 1000 / (n.Node.TimestampUnixMs - before.TimeUnixMs));
                }
                if (!_busy.TryGetValue(key, out before) || n.Node.TimestampUnixMs > before.TimeUnixMs)
                {
                    _busy[key] = (s.BusySeconds, n.Node.TimestampUnixMs);
                }
                stages.Add(new DashboardStage(s.Job, s.Stage, s.Worker, n.Node.Node, s.Messages, s.BusySeconds,
                    _busyFraction.TryGetValue(key, out var busy) ? Math.Round(busy, 3) : null, s.ItemsPerSecond, s.MailboxDepth));
            }
        }

        var running = status.Jobs.ToDictionary(j => j.JobId, StringComparer.Ordinal);
        foreach (var j in status.Jobs)
        {
            AddPoints(j.JobId, j.Done, j.Metrics);
        }
        // The jobs the coordinator knows (running and recently ended), with those it runs but has not listed yet.
        var jobs = new List<DashboardJob>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            listed.Add(r.JobId);
            jobs.Add(Job(r.JobId, r.Workload, running.GetValueOrDefault(r.JobId), r, status.Coordinator, nowUnixMs));
        }
        foreach (var j in status.Jobs.Where(j => !listed.Contains(j.JobId)))
        {
            jobs.Add(Job(j.JobId, j.Workload, j, null, status.Coordinator, nowUnixMs));
        }
        // Histories of jobs the cluster forgot are dropped with them.
        foreach (var gone in _history.Keys.Where(k => !listed.Contains(k) && !running.ContainsKey(k)).ToArray())
        {
            _history.Remove(gone);
            _logMerged.Remove(gone);
        }
        foreach (var gone in _busy.Keys.Where(k => !running.ContainsKey(k.Job)).ToArray())
        {
            _busy.Remove(gone);
            _busyFraction.Remove(gone);
        }
        return new DashboardDocument(DashboardDocument.CurrentSchemaVersion, nowUnixMs, host, status.Coordinator, null,
            status.Members.Count(IsClient), members, [.. jobs], [.. stages]);
    }

    /// <summary>Adds the points of every report in <paramref name="record"/>'s log (an ended job's, from the coordinator).</summary>
    internal void MergeLog(JobRecord record)
    {
        foreach (var p in record.Log)
        {
            AddPoints(record.JobId, p.Done, p.Metrics);
        }
    }

    // One point per metric of a report, at the job's inner iteration count when it reports one, else at its units done.
    private void AddPoints(string jobId, long done, Dictionary<string, double>? reported)
    {
        if (!_history.TryGetValue(jobId, out var metrics))
        {
            _history[jobId] = metrics = new SortedDictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal);
        }
        var x = done;
        if (reported is not null && reported.TryGetValue(InnerIterations, out var inner) && double.IsFinite(inner) && inner > 0)
        {
            x = (long)inner;
        }
        foreach (var (name, value) in reported ?? [])
        {
            if (!double.IsFinite(value) || name == InnerIterations)
            {
                continue;
            }
            if (!metrics.TryGetValue(name, out var points))
            {
                metrics[name] = points = [];
            }
            // A unit of work reported again (after a fail-over) replaces the earlier point.
            points[x] = value;
            while (points.Count > MaxPoints)
            {
                points.Remove(points.Keys.First());
            }
        }
    }

    private DashboardJob Job(string jobId, string workload, JobInfo? info, JobRecord? record, string coordinator, long nowUnixMs)
    {
        var ended = record is { HasEnded: true };
        var state = ended ? record!.State : info?.State ?? record?.State ?? "unknown";
        var done = ended ? record!.Done : info?.Done ?? record?.Done ?? 0;
        var total = ended ? record!.Total : info?.Total ?? record?.Total ?? 0;
        var submitted = record is null ? nowUnixMs : new DateTimeOffset(record.SubmittedUtcTicks, TimeSpan.Zero).ToUnixTimeMilliseconds();
        double? eta = null;
        if (!ended && done > 0 && total > done && nowUnixMs > submitted)
        {
            eta = Math.Round((nowUnixMs - submitted) / 1000.0 * (total - done) / done, 1);
        }
        var history = new SortedDictionary<string, double[][]>(StringComparer.Ordinal);
        var latest = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (_history.TryGetValue(jobId, out var metrics))
        {
            foreach (var (name, points) in metrics)
            {
                history[name] = points.Select(p => new[] { p.Key, p.Value }).ToArray();
                latest[name] = points.Last().Value;
            }
        }
        foreach (var (name, value) in info?.Metrics ?? [])
        {
            if (double.IsFinite(value))
            {
                latest[name] = value;
            }
        }
        return new DashboardJob(jobId, workload, state, done, total, submitted,
            ended ? new DateTimeOffset(record!.EndedUtcTicks, TimeSpan.Zero).ToUnixTimeMilliseconds() : null, eta,
            record?.DriverNode is { Length: > 0 } driver ? driver : coordinator, ended && record!.ResultJson is not null,
            record?.Error, new SortedDictionary<string, int>(info?.WorkersPerNode ?? [], StringComparer.Ordinal), latest, history);
    }

    private static bool IsClient(MemberInfo m) => m.Roles.Contains("client", StringComparer.Ordinal);
}
