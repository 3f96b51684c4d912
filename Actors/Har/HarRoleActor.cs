using System.Diagnostics;
using Akka.Actor;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Har;

/// <summary>What a role actor of a har stage is given: the job, the placement and counters that outlive its restarts.</summary>
internal sealed record HarRoleContext(string JobId, HarJobSpec Job, HarAssign Assign, string Role, string Node, HarRoleCounters Counters)
{
    /// <summary>The role upstream of this one, or null for the source.</summary>
    public string? Upstream => Array.IndexOf(HarRoles.All, Role) is var i and > 0 ? HarRoles.All[i - 1] : null;

    /// <summary>The role downstream of this one, or null for the sink.</summary>
    public string? Downstream => Array.IndexOf(HarRoles.All, Role) is var i && i < HarRoles.All.Length - 1 ? HarRoles.All[i + 1] : null;
}

/// <summary>A role's telemetry, kept by its stage across the role actor's restarts.</summary>
internal sealed class HarRoleCounters
{
    private const int Window = 2048;
    private readonly double[] _latencies = new double[Window];
    private readonly long _startTicks = Stopwatch.GetTimestamp();

    public long Items { get; private set; }

    public long Dropped { get; set; }

    public int Restarts { get; set; }

    public int MaxQueue { get; set; }

    /// <summary>Items the downstream role has granted and this role has not sent: the link's state, which a restart
    /// of this role must not lose (the consumer would wait for items it never gets, and this role drop them).</summary>
    public int Credits { get; set; }

    /// <summary>Counts an item that took <paramref name="latencyMs"/> to get through the role.</summary>
    public void Record(double latencyMs)
    {
        _latencies[Items % Window] = latencyMs;
        Items++;
    }

    /// <summary>The report of the last <c>2048</c> items' latencies and the rate since the role started.</summary>
    public HarStageReport Report(int generation, string role, string node, int queue)
    {
        var n = (int)Math.Min(Items, Window);
        var sorted = _latencies.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        double Percentile(double p) => n == 0 ? 0 : sorted[Math.Min(n - 1, (int)Math.Ceiling(p * n) - 1)];
        var seconds = Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;
        return new HarStageReport(generation, role, node, Items, Percentile(0.5), Percentile(0.95), Percentile(0.99),
            seconds > 0 ? Items / seconds : 0, queue, MaxQueue, Dropped, Restarts);
    }
}

/// <summary>The base of the pipeline's role actors: demand-driven flow between stages and telemetry.</summary>
/// <remarks>
/// Back-pressure is by credits: a consumer grants its producer <see cref="HarJobSpec.Credits"/> items at its start
/// (and again after a restart, or when nothing arrived for a second, with <see cref="HarDemand.Reset"/>), then one per
/// item it has passed on. A producer sends only against credit and keeps at most a window of items waiting (beyond
/// that the oldest is dropped and counted), so no queue in the pipeline grows without bound. A stage grants its
/// upstream more only while its own outbox has room, so a slow stage slows everything upstream of it down to the
/// source, which drops frames (a paced source) or produces fewer (an unpaced one).
/// </remarks>
internal abstract class HarRoleActor : ReceiveActor, IWithTimers
{
    private readonly Queue<(object Message, long SentTicks)> _outbox = new();
    private readonly StageTelemetry _telemetry;
    private readonly IDisposable _queueGauge;
    private int _queueLength;
    private int _owed;
    private long _lastArrival = Stopwatch.GetTimestamp();

    protected HarRoleActor(HarRoleContext context)
    {
        Role = context;
        _telemetry = new StageTelemetry(context.JobId, "har-" + context.Role, Self.Path.Name, context.Node, HarWorkload.Verb);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        _queueGauge = HarMetrics.Watch(() => Volatile.Read(ref _queueLength), _telemetry.Tags);
        Receive<HarDemand>(d =>
        {
            Role.Counters.Credits = d.Reset ? d.Credits : Role.Counters.Credits + d.Credits;
            Flush();
            OnCredit();
        });
        Receive<ReportTick>(_ =>
        {
            Role.Assign.Driver.Tell(Role.Counters.Report(Role.Assign.Generation, Role.Role, Role.Node, _outbox.Count));
            // A consumer that heard nothing for a second re-opens its window: demand lost with a crashed stage (or sent
            // before the producer's stage existed) is renewed.
            if (Role.Upstream is not null && Stopwatch.GetElapsedTime(_lastArrival).TotalSeconds > 1)
            {
                GrantUpstream(Role.Job.Credits, reset: true);
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The role's job, placement and counters.</summary>
    protected HarRoleContext Role { get; }

    /// <summary>Credits the downstream stage has granted and this role has not used.</summary>
    protected int Credits => Role.Counters.Credits;

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("report", ReportTick.Instance, TimeSpan.FromSeconds(1));
        if (Role.Upstream is not null)
        {
            GrantUpstream(Role.Job.Credits, reset: true);
        }
    }

    /// <inheritdoc />
    protected override void PostRestart(Exception reason)
    {
        Role.Counters.Restarts++;
        base.PostRestart(reason);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _queueGauge.Dispose();
        _telemetry.Dispose();
        base.PostStop();
    }

    /// <summary>Called after credit arrived (the source produces then).</summary>
    protected virtual void OnCredit()
    {
    }

    /// <summary>Counts a frame this role dropped.</summary>
    protected void Dropped()
    {
        Role.Counters.Dropped++;
        HarMetrics.DroppedFrames.Add(1, _telemetry.Tags);
    }

    /// <summary>Records the end-to-end latency of a frame that came out of the pipeline.</summary>
    protected void Delivered(double latencyMs) => HarMetrics.FrameLatency.Record(latencyMs / 1000, _telemetry.Tags);

    /// <summary>Notes the arrival of an item from upstream.</summary>
    protected void Arrived() => _lastArrival = Stopwatch.GetTimestamp();

    /// <summary>Queues <paramref name="message"/> for the downstream role (or, for the sink, counts it as passed on),
    /// with the time the input arrived and was sent upstream, and sends what credit allows.</summary>
    protected void Emit(object message, long sentTicks, double busyMs)
    {
        _telemetry.AddItems(1);
        _telemetry.RecordMessage(TimeSpan.FromMilliseconds(busyMs));
        if (Role.Downstream is null)
        {
            RecordLatency(LatencyMs(sentTicks));
            _owed++;
            GrantUpstream(0, reset: false);
            return;
        }
        _outbox.Enqueue((message, sentTicks));
        if (_outbox.Count > Role.Job.Credits)
        {
            // Latest wins: the oldest waiting item is dropped to keep latency bounded. (A renewed window can overlap
            // items already in flight, so the outbox holds up to a window before it drops.)
            _outbox.Dequeue();
            Dropped();
        }
        Role.Counters.MaxQueue = Math.Max(Role.Counters.MaxQueue, _outbox.Count);
        _owed++;
        Flush();
        Volatile.Write(ref _queueLength, _outbox.Count);
    }

    /// <summary>Counts an input this role consumed without passing anything on (it still frees a credit upstream).</summary>
    protected void Consumed()
    {
        _owed++;
        GrantUpstream(0, reset: false);
    }

    /// <summary>Sends <paramref name="message"/> to the stage of <paramref name="role"/>, wherever it runs.</summary>
    protected void SendTo(string role, object message) =>
        Context.ActorSelection(Role.Assign.RoleAgents[role]).Tell(message);

    /// <summary>Milliseconds since <paramref name="ticks"/> (UTC ticks).</summary>
    protected static double LatencyMs(long ticks) => (DateTime.UtcNow.Ticks - ticks) / (double)TimeSpan.TicksPerMillisecond;

    private void Flush()
    {
        while (Role.Counters.Credits > 0 && _outbox.Count > 0)
        {
            var (message, sentTicks) = _outbox.Dequeue();
            Role.Counters.Credits--;
            RecordLatency(LatencyMs(sentTicks));
            SendTo(Role.Downstream!, message);
        }
        Volatile.Write(ref _queueLength, _outbox.Count);
        if (_outbox.Count == 0)
        {
            GrantUpstream(0, reset: false);
        }
    }

    private void RecordLatency(double latencyMs)
    {
        Role.Counters.Record(latencyMs);
        HarMetrics.StageLatency.Record(latencyMs / 1000, _telemetry.Tags);
    }

    private void GrantUpstream(int extra, bool reset)
    {
        if (Role.Upstream is null)
        {
            _owed = 0;
            return;
        }
        if (reset)
        {
            _owed = 0;
            SendTo(Role.Upstream, new HarDemand(Role.JobId, Role.Assign.Generation, Role.Upstream, extra, Reset: true));
            _lastArrival = Stopwatch.GetTimestamp();
            return;
        }
        if (_owed > 0 && _outbox.Count == 0)
        {
            SendTo(Role.Upstream, new HarDemand(Role.JobId, Role.Assign.Generation, Role.Upstream, _owed, Reset: false));
            _owed = 0;
        }
    }

    private sealed class ReportTick
    {
        public static readonly ReportTick Instance = new();
    }
}
