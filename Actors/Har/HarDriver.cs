using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Dataflow.Actors.Runtime;
using Dataflow.Har;
using Dataflow.Kernels.Har;

namespace Dataflow.Actors.Har;

/// <summary>Drives a har stream: places the four roles on the nodes (source and sink on the first, features on the
/// second, the recogniser on the last), collects what the sink delivers and the stages' telemetry, re-places the
/// pipeline when nodes change (the source resumes after the last frame delivered), and ends when the source has ended
/// and the pipeline has drained.</summary>
public sealed class HarDriver : JobDriver
{
    private const int LatencyWindow = 100_000;
    private readonly HarJobSpec _job;
    private readonly List<double> _latencies = [];
    private readonly Dictionary<string, HarStageReport> _reports = [];
    private readonly Dictionary<string, HarStageReport> _earlier = [];
    private long _delivered;
    private long _recognised;
    private long _correct;
    private long _nextFrame;
    private long _captured = -1;
    private long _sourceDropped;
    private DateTime _first;
    private DateTime _last;
    private DateTime _lastProgress;
    private DateTime _streamStart;
    private DateTime _placedAt;
    private bool _resuming;
    private double _resumeSeconds;

    /// <summary>Creates the driver.</summary>
    public HarDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<HarJobSpec>(Spec);
        Receive<HarDelivered>(OnDelivered);
        Receive<HarStageReport>(r =>
        {
            if (r.Generation == Generation)
            {
                _reports[r.Role] = r;
            }
        });
        Receive<HarSourceEnded>(e =>
        {
            if (e.Generation != Generation)
            {
                return;
            }
            if (e.Error.Length > 0)
            {
                Fail(e.Error);
                return;
            }
            _captured = e.Captured;
            _sourceDropped = e.Dropped;
            Timers.StartPeriodicTimer("drain", Drain.Instance, TimeSpan.FromMilliseconds(250));
            TryEnd();
        });
        Receive<Drain>(_ => TryEnd());
    }

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_delivered, _job.Frames);

    /// <inheritdoc />
    protected override void OnPlaced() => Place();

    /// <inheritdoc />
    protected override void OnRestart() => Place();

    /// <inheritdoc />
    protected override Dictionary<string, int> WorkPerNode()
    {
        var roles = new Dictionary<string, int>();
        foreach (var node in RoleNodes().Values)
        {
            roles[Nodes[node].Address] = roles.GetValueOrDefault(Nodes[node].Address) + 1;
        }
        return roles;
    }

    /// <inheritdoc />
    protected override Dictionary<string, double>? StatusMetrics()
    {
        var metrics = new Dictionary<string, double>
        {
            ["fps"] = Fps,
            ["latencyP99Ms"] = Percentile(0.99),
            ["droppedFrames"] = Dropped,
        };
        foreach (var (role, r) in _reports)
        {
            metrics[$"{role}.p50Ms"] = r.LatencyP50Ms;
            metrics[$"{role}.p99Ms"] = r.LatencyP99Ms;
            metrics[$"{role}.fps"] = r.Fps;
            metrics[$"{role}.queue"] = r.QueueLength;
            metrics[$"{role}.dropped"] = r.Dropped;
        }
        return metrics;
    }

    private double Fps => _delivered > 1 && _last > _first ? (_delivered - 1) / (_last - _first).TotalSeconds : 0;

    private long Dropped => Math.Max(_sourceDropped, _reports.GetValueOrDefault(HarRoles.Source)?.Dropped ?? 0)
        + _earlier.Values.Sum(r => r.Dropped)
        + _reports.Where(kv => kv.Key != HarRoles.Source).Sum(kv => kv.Value.Dropped);

    private Dictionary<string, int> RoleNodes()
    {
        var n = Nodes.Length;
        return n == 0 ? [] : new Dictionary<string, int>
        {
            [HarRoles.Source] = 0,
            [HarRoles.Features] = Math.Min(1, n - 1),
            [HarRoles.Recogniser] = n - 1,
            [HarRoles.Sink] = 0,
        };
    }

    private void Place()
    {
        // The telemetry of the stages being replaced is kept (their drops still count).
        foreach (var (role, report) in _reports)
        {
            _earlier[role + "#" + report.Generation] = report;
        }
        _reports.Clear();
        NewGeneration();
        var now = DateTime.UtcNow;
        _placedAt = now;
        if (_streamStart == default)
        {
            _streamStart = now;
        }
        // Frames already out: the next frame out of the new placement measures how long the stream stood still.
        _resuming = _delivered > 0;
        var start = _nextFrame;
        if (_job.Source == "camera-sim")
        {
            start = Math.Max(start, (long)((now - _streamStart).TotalSeconds * _job.Fps));
            if (_job.Frames > 0)
            {
                start = Math.Min(start, _job.Frames);
            }
        }
        var roleNodes = RoleNodes();
        var agents = roleNodes.ToDictionary(kv => kv.Key, kv => Nodes[kv.Value].AgentPath);
        for (var n = 0; n < Nodes.Length; n++)
        {
            var roles = roleNodes.Where(kv => kv.Value == n).Select(kv => kv.Key).ToArray();
            Agent(n).Tell(new HarAssign(JobId, Generation, roles, agents, start, Self));
        }
        ArmStepTimeout();
    }

    private void OnDelivered(HarDelivered d)
    {
        if (d.Generation != Generation)
        {
            return;
        }
        var now = DateTime.UtcNow;
        if (_delivered == 0)
        {
            _first = now;
        }
        if (_resuming)
        {
            _resuming = false;
            _resumeSeconds = Math.Max(_resumeSeconds, (now - _last).TotalSeconds);
            Log.Info("job {0}: the stream resumed {1:0.0} s after its last frame before the re-placement", JobId, (now - _last).TotalSeconds);
        }
        _last = now;
        _delivered++;
        _nextFrame = Math.Max(_nextFrame, d.Index + 1);
        if (_latencies.Count < LatencyWindow)
        {
            _latencies.Add(d.LatencyMs);
        }
        if (d.Predicted >= 0)
        {
            _recognised++;
            _correct += d.Predicted == d.Label ? 1 : 0;
        }
        ArmStepTimeout();
        ResetRestarts();
        if ((now - _lastProgress).TotalSeconds >= 0.5)
        {
            _lastProgress = now;
            var action = d.Predicted >= 0 ? SyntheticActionVideo.Classes.ElementAtOrDefault(d.Predicted) ?? d.Predicted.ToString(CultureInfo.InvariantCulture) : "...";
            var truth = d.Label >= 0 ? $" (label {SyntheticActionVideo.Classes[d.Label]})" : "";
            Progress(_delivered, _job.Frames, new Dictionary<string, double>
            {
                ["fps"] = Fps,
                ["latencyMs"] = d.LatencyMs,
                ["latencyP99Ms"] = Percentile(0.99),
                ["droppedFrames"] = Dropped,
                ["confidence"] = d.Confidence,
            }, string.Create(CultureInfo.InvariantCulture, $"frame {d.Index}: {action}{truth}"));
        }
        TryEnd();
    }

    private double Percentile(double p)
    {
        if (_latencies.Count == 0)
        {
            return 0;
        }
        var sorted = _latencies.ToArray();
        Array.Sort(sorted);
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private void TryEnd()
    {
        if (_captured < 0 || Ended)
        {
            return;
        }
        // Drained: everything captured came out or was dropped, or nothing came out of the current placement for
        // QuietSeconds (the rest was lost).
        var since = _delivered > 0 ? (_last > _placedAt ? _last : _placedAt) : DateTime.UtcNow;
        var quiet = (DateTime.UtcNow - since).TotalSeconds > QuietSeconds;
        if (_delivered + Dropped < _captured - StartOfStream && !quiet)
        {
            return;
        }
        Timers.Cancel("drain");
        var stages = _reports.Values.Concat(_earlier.Values)
            .Select(r => new HarStageResult(r.Role, r.Node, r.Items, r.LatencyP50Ms, r.LatencyP95Ms, r.LatencyP99Ms, r.Fps,
                r.MaxQueueLength, r.Dropped, r.Restarts))
            .ToArray();
        Complete(new HarResult(
            "har", _job.Source, _job.Features, _delivered, _recognised, Math.Round(Fps, 3),
            Math.Round(Percentile(0.5), 3), Math.Round(Percentile(0.95), 3), Math.Round(Percentile(0.99), 3),
            Dropped, Math.Max(0, _captured - StartOfStream - _delivered - Dropped),
            _job.Source == "video" || _recognised == 0 ? null : Math.Round(_correct / (double)_recognised, 4),
            _reports.Values.Concat(_earlier.Values).Sum(r => r.Restarts), PlacementChanges, stages, HarInputs.Of(_job),
            Math.Round(_resumeSeconds, 3)));
    }

    // Seconds without a frame out after which the frames still in flight count as lost. A busy machine stalls a stage
    // for seconds (a GC, a starved thread pool): 2 s ended healthy streams early under load and called their frames lost.
    private const double QuietSeconds = 10;

    // The stream starts at frame 0; frames before a re-placement's start were accounted for then.
    private static long StartOfStream => 0;

    private sealed class Drain
    {
        public static readonly Drain Instance = new();
    }
}
