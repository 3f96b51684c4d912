using System.Diagnostics;
using System.Globalization;
using Akka.Event;
using Dataflow.Actors.Runtime;
using Dataflow.Fl;
using Dataflow.Kernels.Fl;
using Dataflow.Kernels.Scheduling;

namespace Dataflow.Actors.Fl;

/// <summary>Drives one <c>fl</c> job as its aggregator (Flower's server): places the institutes on the compute nodes,
/// runs each round's fit and evaluate through the job's <see cref="IFlStrategy"/>, and reports the Dice per institute.</summary>
/// <remarks>
/// Institutes stay where they were placed for the whole job (their models and kept parameters live there); one whose
/// node left is placed on a survivor and rejoins in the next round with a fresh model. An institute that a host serves
/// (<c>dataflow host --institute NAME</c>, the node label <see cref="FlWorkload.InstituteLabel"/>) is placed on that host
/// only: while it is away the institute misses the rounds, and it rejoins when a host serving it is back. A round's phase ends when every
/// institute asked has answered, failed or lost its node, or when <see cref="FlJobSpec.RoundDeadlineSeconds"/> passed:
/// the strategy then aggregates what came, in institute order, so a round's outcome depends only on which institutes
/// took part, never on where they ran or in which order they answered.
/// </remarks>
public sealed class FlDriver : JobDriver
{
    private const string DeadlineTimer = "round-deadline";
    private readonly FlJobSpec _job;
    private readonly IFlStrategy _strategy;
    private readonly Dictionary<int, FitResult> _fits = [];
    private readonly Dictionary<int, EvaluateResult> _evaluations = [];
    private readonly HashSet<int> _expected = [];
    private readonly List<FlRoundResult> _history = [];
    private readonly Stopwatch _roundClock = new();
    private readonly List<string> _failures = [];
    private readonly HashSet<int> _pinned = [];
    // The node of each institute; null while the host serving it is away.
    private string?[] _placement = [];
    private FlWeights _global;
    private int _round;
    private Phase _phase = Phase.Idle;
    private int _issuedGeneration = -1;

    /// <summary>Creates the aggregator of <paramref name="start"/>'s job.</summary>
    public FlDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<FlJobSpec>(Spec);
        _strategy = FlStrategies.Create(_job.Settings);
        _global = FlWeights.Initial(_job.Settings);
        if (_job.Settings.HostedData)
        {
            // Their volumes are on their hosts only: every institute waits for its own.
            _pinned.UnionWith(Enumerable.Range(0, _job.Settings.Institutes));
        }
        Receive<FlFitted>(OnFitted);
        Receive<FlEvaluated>(OnEvaluated);
        Receive<FlInstituteFailed>(OnInstituteFailed);
        Receive<PhaseDeadline>(d =>
        {
            if (d.Generation == _issuedGeneration && d.Round == _round && d.Phase == _phase && !Ended)
            {
                Log.Warning("job {0}: round {1} {2}: deadline of {3} s passed; going on without institutes {4}", JobId,
                    _round + 1, _phase, _job.RoundDeadlineSeconds, string.Join(", ", _expected.Order()));
                _expected.Clear();
                Advance();
            }
        });
    }

    private enum Phase
    {
        Idle,
        Fit,
        Evaluate,
    }

    private FlSettings Settings => _job.Settings;

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_history.Count, Settings.Rounds);

    /// <inheritdoc />
    protected override Dictionary<string, int> WorkPerNode() =>
        _placement.OfType<string>().GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

    /// <inheritdoc />
    protected override Dictionary<string, double>? StatusMetrics() =>
        _history.Count == 0 ? null : new() { ["meanDice"] = _history[^1].MeanDice };

    /// <inheritdoc />
    // Institutes stay put (their state lives on their node): a node that joins takes no work, so only a departure moves it.
    // A node that serves one of the institutes takes it over.
    protected override bool MovesWork(ComputeNode[] previous, ComputeNode[] next) =>
        previous.Select(n => n.Address).Except(next.Select(n => n.Address)).Any() || previous.Length == 0
        || next.Select(n => n.Address).Except(previous.Select(n => n.Address)).Any(a => ServedBy(a) is not null);

    // The institute the node at this address serves, if it serves one of this job's.
    private int? ServedBy(string address) =>
        NodeLabels.Of(Context.System, address).TryGetValue(FlWorkload.InstituteLabel, out var name)
            && Enumerable.Range(0, Settings.Institutes).FirstOrDefault(i => Settings.InstituteName(i) == name, -1) is var i and >= 0
            ? i
            : null;

    /// <inheritdoc />
    protected override void OnPlaced()
    {
        var addresses = Nodes.Select(n => n.Address).ToHashSet(StringComparer.Ordinal);
        var lost = new List<int>();
        // Nodes are sorted by address: of two hosts serving one institute, the first takes it.
        var serving = new Dictionary<int, string>();
        foreach (var node in Nodes)
        {
            if (ServedBy(node.Address) is { } served)
            {
                serving.TryAdd(served, node.Address);
            }
        }
        // The other institutes go to the nodes that serve none, where there are such nodes: a site's host is its own.
        var free = Nodes.Where(n => !serving.ContainsValue(n.Address)).ToArray() is { Length: > 0 } unserved ? unserved : Nodes;
        var first = _placement.Length == 0;
        if (first)
        {
            var assigned = ProportionalPlacement.Assign(Settings.Institutes, free.Select(n => n.Throughput).ToArray());
            _placement = assigned.Select(n => (string?)free[n].Address).ToArray();
        }
        for (var i = 0; i < _placement.Length; i++)
        {
            string? next;
            if (serving.TryGetValue(i, out var host))
            {
                _pinned.Add(i);
                next = host;
            }
            else if (_pinned.Contains(i))
            {
                // Its data exists only on its host: it waits for it rather than moving to a node without it.
                next = null;
            }
            else
            {
                next = _placement[i] is { } at && addresses.Contains(at) ? at : free[i % free.Length].Address;
            }
            if (!first && next != _placement[i])
            {
                Log.Info("job {0}: institute {1} {2}", JobId, Settings.InstituteName(i),
                    next is null ? $"waits for its host (gone from {_placement[i]})" : $"placed on {next}");
                if (_placement[i] is not null)
                {
                    lost.Add(i);
                }
            }
            _placement[i] = next;
        }
        if (_phase == Phase.Idle)
        {
            StartRound();
            return;
        }
        if (_issuedGeneration != Generation)
        {
            // Every node left in between (the base started a new generation): ask again.
            IssuePhase(_expected.Union(lost).Order().ToArray());
            return;
        }
        foreach (var i in lost.Where(_expected.Contains))
        {
            Log.Warning("job {0}: institute {1} lost its node in round {2}; the round goes on without it", JobId,
                Settings.InstituteName(i), _round + 1);
            _expected.Remove(i);
        }
        if (_expected.Count == 0)
        {
            Advance();
        }
    }

    /// <inheritdoc />
    protected override void OnRestart() => IssuePhase(_expected.Order().ToArray());

    private void StartRound()
    {
        _fits.Clear();
        _evaluations.Clear();
        _roundClock.Restart();
        _phase = Phase.Fit;
        IssuePhase(Enumerable.Range(0, Settings.Institutes).ToArray());
    }

    private void IssuePhase(int[] institutes)
    {
        if (_issuedGeneration == Generation)
        {
            NewGeneration();
        }
        _issuedGeneration = Generation;
        // Institutes whose host is away are not asked; they miss the phase.
        institutes = institutes.Where(i => _placement[i] is not null).ToArray();
        _expected.Clear();
        _expected.UnionWith(institutes);
        for (var n = 0; n < Nodes.Length; n++)
        {
            var address = Nodes[n].Address;
            var here = institutes.Where(i => _placement[i] == address).ToArray();
            if (_phase == Phase.Fit)
            {
                var hosted = Enumerable.Range(0, Settings.Institutes).Where(i => _placement[i] == address).ToArray();
                var fits = _strategy.ConfigureFit(_round, _global, here).ToArray();
                if (hosted.Length > 0)
                {
                    Agent(n).Tell(new FlFit(JobId, Generation, hosted, fits));
                }
            }
            else if (here.Length > 0)
            {
                Agent(n).Tell(new FlEvaluate(JobId, Generation, _strategy.ConfigureEvaluate(_round, _global, here).ToArray()));
            }
        }
        Timers.StartSingleTimer(DeadlineTimer, new PhaseDeadline(Generation, _round, _phase),
            TimeSpan.FromSeconds(_job.RoundDeadlineSeconds));
    }

    private void OnFitted(FlFitted m)
    {
        if (m.Generation != _issuedGeneration || _phase != Phase.Fit || m.Result.Round != _round || Ended
            || !_expected.Remove(m.Result.Institute))
        {
            return;
        }
        _fits[m.Result.Institute] = m.Result;
        if (_expected.Count == 0)
        {
            Advance();
        }
    }

    private void OnEvaluated(FlEvaluated m)
    {
        if (m.Generation != _issuedGeneration || _phase != Phase.Evaluate || m.Result.Round != _round || Ended
            || !_expected.Remove(m.Result.Institute))
        {
            return;
        }
        _evaluations[m.Result.Institute] = m.Result;
        if (_expected.Count == 0)
        {
            Advance();
        }
    }

    private void OnInstituteFailed(FlInstituteFailed m)
    {
        if (m.Generation != _issuedGeneration || m.Round != _round || Ended || !_expected.Remove(m.Institute))
        {
            return;
        }
        Log.Warning("job {0}: institute {1} on {2} failed in round {3}: {4}", JobId, Settings.InstituteName(m.Institute),
            m.Node, m.Round + 1, m.Error);
        _failures.Add($"{Settings.InstituteName(m.Institute)}: {m.Error}");
        if (_expected.Count == 0)
        {
            Advance();
        }
    }

    // The phase's answers are in (or its deadline passed): aggregate and go on.
    private void Advance()
    {
        Timers.Cancel(DeadlineTimer);
        if (_phase == Phase.Fit)
        {
            if (_fits.Count == 0)
            {
                Fail($"round {_round + 1}: no institute trained" + (_failures.Count > 0 ? $" ({string.Join("; ", _failures)})" : ""));
                return;
            }
            var results = _fits.Values.OrderBy(r => r.Institute).ToArray();
            _global = _strategy.AggregateFit(_round, _global, results);
            _phase = Phase.Evaluate;
            // Every institute still placed measures the new model, also one that missed this round's training.
            IssuePhase(Enumerable.Range(0, Settings.Institutes).ToArray());
            return;
        }
        var measured = _evaluations.Values.OrderBy(r => r.Institute).ToArray();
        var summary = _strategy.AggregateEvaluate(_round, measured);
        var fits = _fits.Values.OrderBy(r => r.Institute).ToArray();
        var dice = summary.DicePerInstitute.Select(d => double.IsNaN(d) ? (double?)null : d).ToArray();
        var round = new FlRoundResult(_round + 1, summary.MeanDice, dice, fits.Average(r => r.Loss),
            _roundClock.Elapsed.TotalSeconds, fits.Max(r => r.Seconds), fits.Select(r => r.Institute).ToArray(),
            Enumerable.Range(0, Settings.Institutes).Select(i => _fits.TryGetValue(i, out var f) ? f.Seconds : (double?)null).ToArray());
        _history.Add(round);
        _failures.Clear();
        ResetRestarts();
        var metrics = new Dictionary<string, double>
        {
            ["meanDice"] = round.MeanDice,
            ["loss"] = round.MeanLoss,
            ["roundSeconds"] = round.Seconds,
            ["slowestLocalSeconds"] = round.SlowestLocalSeconds,
        };
        for (var i = 0; i < dice.Length; i++)
        {
            metrics[$"dice.{Settings.InstituteName(i)}"] = dice[i] ?? double.NaN;
        }
        var perInstitute = string.Join("  ", dice.Select((d, i) => string.Create(CultureInfo.InvariantCulture,
            $"{Settings.InstituteName(i)} {(d is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-")}")));
        Progress(_history.Count, Settings.Rounds, metrics, string.Create(CultureInfo.InvariantCulture,
            $"round {round.Round}: mean Dice {round.MeanDice:F4}  ({perInstitute})  {round.Seconds:F1} s"));
        _round++;
        _phase = Phase.Idle;
        if (_round >= Settings.Rounds)
        {
            Finish();
            return;
        }
        StartRound();
    }

    private void Finish()
    {
        var last = _history[^1];
        Complete(new FlResult(FlWorkload.Verb, FlWorkload.StrategyName(Settings.Strategy), Settings.Vfda, _history.Count,
            last.MeanDice, last.DicePerInstitute, _history.Select(h => h.Seconds).ToArray(),
            Enumerable.Range(0, Settings.Institutes).Select(Settings.InstituteName).ToArray(), [.. _history],
            _global.Sha256(), PlacementChanges, FlInputs.Of(_job)));
    }

    private sealed record PhaseDeadline(int Generation, int Round, Phase Phase);
}
