namespace Dataflow.Kernels.Tune;

/// <summary>Tunes a model's tasks: proposes rounds of candidates, learns from their measurements.</summary>
/// <remarks>
/// A round starts with every task's untuned schedule and a few random ones (warm-up), then each round trains the
/// cost models that gained rows, picks the task with the steepest predicted decrease of the end-to-end latency
/// (Ansor's gradient, Zheng et al. OSDI'20 sec. 6: alpha = 0.2, beta = 2, a window of 3 rounds, similar tasks are
/// those of the same anchor operator), and searches its candidates with an evolutionary search scored by the task's
/// cost model. Under <see cref="TunePolicy.FamilySeer"/> the models are per family, and the round is shared with the
/// family member whose best predicted candidate gains most over its current best (foresee tuning, FamilySeer,
/// arXiv 2201.00194 sec. 4). Every choice depends only on the options, the seed and the measurements, so
/// measurements injected in the same order give the same proposals. Tasks with the same key share measurements.
/// </remarks>
public sealed class Tuner
{
    private const double Alpha = 0.2;
    private const double Beta = 2;
    private const int Window = 3;

    private readonly TuneModel _model;
    private readonly TunerOptions _options;
    private readonly TaskState[] _tasks;
    private readonly int[] _modelOf;
    private readonly CostModel[] _models;
    private readonly TuneFamily[] _families;
    private readonly int[] _familyOf;
    private readonly Random _rng;
    private readonly List<(int Measurements, double LatencySeconds)> _curve = [];
    private readonly HashSet<(string Task, string Schedule)> _proposed = [];
    private bool _warmedUp;

    /// <summary>Creates a tuner; <paramref name="previous"/> records (a resumed log) count as measured.</summary>
    public Tuner(TuneModel model, TunerOptions options, IEnumerable<TuneRecord>? previous = null)
    {
        options.Validate();
        _model = model;
        _options = options;
        _rng = new Random(options.Seed);
        _tasks = model.Tasks.Select(t => new TaskState(t, ScheduleSpace.For(t.Operator, options.MaxThreads))).ToArray();
        _families = model.Families(options.Grouping);
        _familyOf = new int[_tasks.Length];
        for (var f = 0; f < _families.Length; f++)
        {
            foreach (var m in _families[f].Members)
            {
                _familyOf[m] = f;
            }
        }
        _modelOf = options.Policy switch
        {
            TunePolicy.OneModel => new int[_tasks.Length],
            TunePolicy.PerTask => Enumerable.Range(0, _tasks.Length).ToArray(),
            _ => (int[])_familyOf.Clone(),
        };
        _models = Enumerable.Range(0, _modelOf.Max() + 1).Select(m => new CostModel(options.Seed + m)).ToArray();
        if (previous is not null)
        {
            foreach (var r in previous)
            {
                Record(r, counts: false);
            }
        }
    }

    /// <summary>The model being tuned.</summary>
    public TuneModel Model => _model;

    /// <summary>Measurements made in this run.</summary>
    public int Measurements { get; private set; }

    /// <summary>True when the budget is spent or no task has an unmeasured schedule left.</summary>
    public bool Done => Measurements >= _options.Budget || _tasks.All(t => t.Measured.Count >= t.Space.Size);

    /// <summary>End-to-end latency with each task's best schedule (untuned where none is measured), seconds.</summary>
    public double BestLatencySeconds => _tasks.Sum(t => t.Task.Weight * t.Best);

    /// <summary>End-to-end latency with every task's untuned schedule, seconds (NaN until measured).</summary>
    public double UntunedLatencySeconds => _tasks.Sum(t => t.Task.Weight * t.Untuned);

    /// <summary>(measurements so far, best end-to-end latency) after every accepted round.</summary>
    public IReadOnlyList<(int Measurements, double LatencySeconds)> Curve => _curve;

    /// <summary>Per task: family, untuned and best seconds, best schedule, measurements.</summary>
    public IEnumerable<(TuneTask Task, string Family, double UntunedSeconds, double BestSeconds, TuneSchedule? BestSchedule, int Measurements)> TaskResults =>
        _tasks.Select((t, i) => (t.Task, _families[_familyOf[i]].Key, t.Untuned, t.Best, t.BestSchedule, t.Measured.Count));

    /// <summary>The next round's batches; empty when <see cref="Done"/>.</summary>
    public IReadOnlyList<TuneBatch> Propose()
    {
        if (Done)
        {
            return [];
        }
        var left = _options.Budget - Measurements;
        var batches = new List<TuneBatch>();
        // Tasks with one key (one kernel, two places in the model) must not both propose a schedule in one round.
        _proposed.Clear();
        if (!_warmedUp)
        {
            // Warm-up: the untuned schedule and random ones, for each task in model order.
            _warmedUp = true;
            var perTask = Math.Max(1, Math.Min(4, _options.BatchSize / 4));
            for (var i = 0; i < _tasks.Length && left > 0; i++)
            {
                var t = _tasks[i];
                var picked = new List<TuneSchedule>();
                var seen = Seen(t);
                if (seen.Add(t.Space.Default.Key))
                {
                    picked.Add(t.Space.Default);
                }
                picked.AddRange(RandomUnmeasured(t, seen, perTask - picked.Count));
                if (picked.Count > 0)
                {
                    picked = picked.Take(left).ToList();
                    _proposed.UnionWith(picked.Select(p => (t.Task.Key, p.Key)));
                    left -= picked.Count;
                    batches.Add(new TuneBatch(i, t.Task, [.. picked]));
                }
            }
            if (batches.Count > 0)
            {
                return batches;
            }
        }
        foreach (var m in _models)
        {
            m.Train();
        }
        var size = Math.Min(left, _options.BatchSize);
        var chosen = ChooseTask();
        if (chosen < 0)
        {
            return [];
        }
        var partner = _options.Policy == TunePolicy.FamilySeer ? Foresee(chosen) : -1;
        var own = partner < 0 ? size : size - size / 2;
        AddSearch(batches, chosen, own);
        if (partner >= 0)
        {
            AddSearch(batches, partner, size - own);
        }
        return batches;
    }

    /// <summary>Takes the measurements of a round (in any order; applied in task, then schedule order).</summary>
    public void Accept(IEnumerable<TuneRecord> records)
    {
        var touched = new HashSet<int>();
        foreach (var r in records.OrderBy(r => r.Task, StringComparer.Ordinal).ThenBy(r => r.Schedule, StringComparer.Ordinal))
        {
            foreach (var i in Record(r, counts: true))
            {
                touched.Add(i);
            }
        }
        foreach (var i in touched)
        {
            _tasks[i].Rounds++;
            _tasks[i].History.Add(_tasks[i].Best);
        }
        _curve.Add((Measurements, BestLatencySeconds));
    }

    /// <summary>Runs to the budget, measuring with <paramref name="measure"/> (task, candidates -> records).</summary>
    public void Run(Func<TuneTask, IReadOnlyList<TuneSchedule>, IEnumerable<TuneRecord>> measure, Action<Tuner>? progress = null)
    {
        while (!Done)
        {
            var batches = Propose();
            if (batches.Count == 0)
            {
                break;
            }
            Accept(batches.SelectMany(b => measure(b.Task, b.Candidates)).ToList());
            progress?.Invoke(this);
        }
    }

    private List<int> Record(TuneRecord r, bool counts)
    {
        var hit = new List<int>();
        var schedule = TuneSchedule.Parse(r.Schedule);
        for (var i = 0; i < _tasks.Length; i++)
        {
            var t = _tasks[i];
            if (t.Task.Key != r.Task || t.Measured.ContainsKey(r.Schedule))
            {
                continue;
            }
            t.Measured[r.Schedule] = r.MedianSeconds;
            if (r.MedianSeconds < t.Best || double.IsNaN(t.Best))
            {
                (t.Best, t.BestSchedule) = (r.MedianSeconds, schedule);
            }
            if (schedule == t.Space.Default)
            {
                t.Untuned = r.MedianSeconds;
            }
            _models[_modelOf[i]].Add(t.Task, schedule, r.MedianSeconds);
            hit.Add(i);
        }
        if (counts && hit.Count > 0)
        {
            Measurements++;
        }
        return hit;
    }

    // Ansor's gradient of the end-to-end latency with respect to the rounds given to task i; the most negative wins.
    private int ChooseTask()
    {
        var best = -1;
        var bestGradient = double.PositiveInfinity;
        for (var i = 0; i < _tasks.Length; i++)
        {
            var t = _tasks[i];
            if (t.Measured.Count >= t.Space.Size || double.IsNaN(t.Best))
            {
                continue;
            }
            var g = t.Best;
            var rounds = Math.Max(1, t.Rounds);
            var backward = t.History.Count > Window ? (g - t.History[^(Window + 1)]) / Window : 0;
            var speedOfSimilar = _tasks.Where(o => o.Task.Operator == t.Task.Operator && !double.IsNaN(o.Best))
                .Max(o => o.Task.Flops / o.Best);
            var forward = Math.Min(-g / rounds, Beta * t.Task.Flops / speedOfSimilar - g);
            var gradient = t.Task.Weight * (Alpha * backward + (1 - Alpha) * forward);
            if (gradient < bestGradient)
            {
                (best, bestGradient) = (i, gradient);
            }
        }
        return best;
    }

    // The other member of i's family whose best predicted candidate gains the most weighted time, if any gains.
    private int Foresee(int chosen)
    {
        var model = _models[_modelOf[chosen]];
        if (!model.IsTrained)
        {
            return -1;
        }
        var partner = -1;
        var bestGain = 0.0;
        foreach (var j in _families[_familyOf[chosen]].Members)
        {
            var t = _tasks[j];
            if (j == chosen || t.Measured.Count >= t.Space.Size || double.IsNaN(t.Best))
            {
                continue;
            }
            var top = Evolve(t, model, new Random(_options.Seed ^ (j * 7919) ^ Measurements)).FirstOrDefault();
            if (top is null)
            {
                continue;
            }
            var gain = t.Task.Weight * (t.Best - model.PredictSeconds(t.Task, top));
            if (gain > bestGain)
            {
                (partner, bestGain) = (j, gain);
            }
        }
        return partner;
    }

    private void AddSearch(List<TuneBatch> batches, int i, int count)
    {
        if (count <= 0)
        {
            return;
        }
        var t = _tasks[i];
        var seen = Seen(t);
        var randomCount = (int)Math.Round(count * _options.Epsilon);
        var picked = Evolve(t, _models[_modelOf[i]], _rng).Where(s => seen.Add(s.Key)).Take(count - randomCount).ToList();
        picked.AddRange(RandomUnmeasured(t, seen, count - picked.Count));
        _proposed.UnionWith(picked.Select(p => (t.Task.Key, p.Key)));
        if (picked.Count > 0)
        {
            batches.Add(new TuneBatch(i, t.Task, [.. picked]));
        }
    }

    // Ansor's evolutionary search: start from the best measured schedules and random ones, keep the better half by the
    // cost model's score, refill by mutation and crossover; returns unmeasured schedules, best predicted first.
    private List<TuneSchedule> Evolve(TaskState t, CostModel model, Random rng)
    {
        var population = t.Measured.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(_options.Population / 4).Select(kv => TuneSchedule.Parse(kv.Key)).ToList();
        while (population.Count < _options.Population)
        {
            population.Add(t.Space.Sample(rng));
        }
        var scores = new Dictionary<string, (TuneSchedule Schedule, double Score)>();
        double Score(TuneSchedule s)
        {
            if (!scores.TryGetValue(s.Key, out var v))
            {
                v = (s, model.Predict(t.Task, s));
                scores[s.Key] = v;
            }
            return v.Score;
        }
        for (var g = 0; g < _options.Generations; g++)
        {
            var elite = population.DistinctBy(s => s.Key).OrderByDescending(Score).ThenBy(s => s.Key, StringComparer.Ordinal)
                .Take(Math.Max(2, population.Count / 2)).ToList();
            population = [.. elite];
            while (population.Count < _options.Population)
            {
                var a = elite[rng.Next(elite.Count)];
                population.Add(rng.Next(2) == 0 ? t.Space.Mutate(a, rng) : t.Space.Crossover(a, elite[rng.Next(elite.Count)], rng));
            }
        }
        foreach (var s in population)
        {
            Score(s);
        }
        return scores.Values.Where(v => !t.Measured.ContainsKey(v.Schedule.Key))
            .OrderByDescending(v => v.Score).ThenBy(v => v.Schedule.Key, StringComparer.Ordinal)
            .Select(v => v.Schedule).ToList();
    }

    private HashSet<string> Seen(TaskState t) =>
        [.. t.Measured.Keys, .. _proposed.Where(p => p.Task == t.Task.Key).Select(p => p.Schedule)];

    private List<TuneSchedule> RandomUnmeasured(TaskState t, HashSet<string> seen, int count)
    {
        var picked = new List<TuneSchedule>();
        for (var tries = 0; picked.Count < count && tries < 50 * Math.Max(1, count); tries++)
        {
            var s = t.Space.Sample(_rng);
            if (seen.Add(s.Key))
            {
                picked.Add(s);
            }
        }
        return picked;
    }

    private sealed class TaskState(TuneTask task, ScheduleSpace space)
    {
        public TuneTask Task { get; } = task;

        public ScheduleSpace Space { get; } = space;

        public Dictionary<string, double> Measured { get; } = [];

        public double Best { get; set; } = double.NaN;

        public TuneSchedule? BestSchedule { get; set; }

        public double Untuned { get; set; } = double.NaN;

        public int Rounds { get; set; }

        public List<double> History { get; } = [];
    }
}
