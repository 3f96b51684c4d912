namespace Dataflow.Kernels.Sft;

/// <summary>Mimose's input-aware checkpointing plan (arXiv 2209.02478): per-layer memory predictors fitted online
/// from measurements, a greedy choice of the layers to recompute so that the predicted peak stays under the budget,
/// and a cache of plans keyed by the rounded input size.</summary>
/// <remarks>
/// <para>Warm-up: until passes with every layer checkpointed were measured at <see cref="WarmupSizes"/> different
/// input sizes (or <see cref="WarmupPasses"/> passes), and for any input longer than all measured so far, the pass runs with every layer checkpointed (the
/// least memory the model can train in) and is measured: each layer's activations during its recomputation (the C
/// heap's allocation counter) and the pass's peak (the resident high-water mark). Both are fitted as quadratics in
/// the length (<see cref="MemoryFit"/>).</para>
/// <para>Plan: predicted peak = peak with every layer checkpointed + the activations of each layer kept. Start with
/// every layer kept; while the prediction is over the budget, checkpoint the kept layer with the most activations
/// (ties: the lowest, whose activations live longest). Sizes are rounded up to <see cref="Granularity"/> tokens, so
/// the plan of a rounded size holds for every input it covers. A measured peak above its prediction raises a margin
/// added to every later prediction, and the cache is cleared.</para>
/// </remarks>
public sealed class MimosePlanner
{
    /// <summary>Input lengths are rounded up to a multiple of this many tokens for planning and caching.</summary>
    public const int Granularity = 64;

    /// <summary>Distinct input sizes measured before plans are predicted.</summary>
    public const int WarmupSizes = 3;

    /// <summary>Passes measured before plans are predicted even if their sizes were fewer than
    /// <see cref="WarmupSizes"/> (inputs of one size).</summary>
    public const int WarmupPasses = 8;

    private readonly int _layers;
    private readonly long _budgetBytes;
    private readonly MemoryFit[] _layerFits;
    private readonly MemoryFit _baseFit = new();
    private readonly Dictionary<(int Rows, int Length), bool[]> _cache = [];
    private readonly HashSet<(int Rows, int Length)> _measuredSizes = [];
    private long _longestMeasuredTokens;
    private int _measuredPasses;
    private double _marginBytes;

    /// <summary>A planner for <paramref name="layers"/> layers under <paramref name="budgetBytes"/>.</summary>
    public MimosePlanner(int layers, long budgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetBytes, 1);
        _layers = layers;
        _budgetBytes = budgetBytes;
        _layerFits = Enumerable.Range(0, layers).Select(_ => new MemoryFit()).ToArray();
    }

    /// <summary>Whether plans are predicted (the warm-up is over).</summary>
    public bool Warm => _measuredSizes.Count >= WarmupSizes || _measuredPasses >= WarmupPasses;

    /// <summary>Plans in the cache.</summary>
    public int CachedPlans => _cache.Count;

    /// <summary>Bytes added to every prediction after a measured peak exceeded its prediction.</summary>
    public double MarginBytes => _marginBytes;

    /// <summary>Input sizes whose predicted peak was over the budget even with every layer checkpointed (planned with
    /// every layer checkpointed; the budget was checked against one chunk's need before the job started).</summary>
    public int InfeasibleSizes { get; private set; }

    /// <summary>The layers to checkpoint for <paramref name="rows"/> rows of <paramref name="length"/> tokens.</summary>
    public bool[] Plan(int rows, int length)
    {
        var key = (rows, Round(length));
        if (!Warm || (long)rows * key.Item2 > _longestMeasuredTokens)
        {
            return All(true);
        }
        if (_cache.TryGetValue(key, out var cached))
        {
            return (bool[])cached.Clone();
        }
        var plan = All(false);
        var kept = Enumerable.Range(0, _layers).Select(l => _layerFits[l].Predict(key.rows, key.Item2)).ToArray();
        // Most activations first; ties go to the lowest layer.
        var order = Enumerable.Range(0, _layers).OrderByDescending(l => kept[l]).ThenBy(l => l).ToArray();
        var next = 0;
        while (Predict(key.rows, key.Item2, plan) > _budgetBytes)
        {
            if (next == order.Length)
            {
                InfeasibleSizes++;
                break;
            }
            plan[order[next++]] = true;
        }
        _cache[key] = plan;
        return (bool[])plan.Clone();
    }

    /// <summary>Predicted peak bytes of a pass of <paramref name="rows"/> x <paramref name="length"/> tokens under
    /// <paramref name="plan"/>.</summary>
    public double Predict(int rows, int length, bool[] plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var bytes = _baseFit.Predict(rows, length) + _marginBytes;
        for (var l = 0; l < _layers; l++)
        {
            if (!plan[l])
            {
                bytes += _layerFits[l].Predict(rows, length);
            }
        }
        return bytes;
    }

    /// <summary>Records what a pass measured: each recomputed layer's activation bytes (-1 where not recomputed) and
    /// the pass's peak bytes.</summary>
    public void Observe(int rows, int length, bool[] plan, IReadOnlyList<long> layerBytes, long peakBytes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(layerBytes);
        var rounded = Round(length);
        if (plan.All(c => c))
        {
            for (var l = 0; l < _layers; l++)
            {
                if (layerBytes[l] >= 0)
                {
                    _layerFits[l].Add(rows, rounded, layerBytes[l]);
                }
            }
            _baseFit.Add(rows, rounded, peakBytes);
            _measuredSizes.Add((rows, rounded));
            _measuredPasses++;
            _longestMeasuredTokens = Math.Max(_longestMeasuredTokens, (long)rows * rounded);
            _cache.Clear();
            return;
        }
        var predicted = Predict(rows, rounded, plan);
        if (peakBytes > predicted)
        {
            _marginBytes += peakBytes - predicted;
            _cache.Clear();
        }
    }

    private static int Round(int length) => (length + Granularity - 1) / Granularity * Granularity;

    private bool[] All(bool value)
    {
        var plan = new bool[_layers];
        Array.Fill(plan, value);
        return plan;
    }
}
