namespace Dataflow.Kernels.Train;

/// <summary>Sums worker gradients in logical order as they arrive: each gradient is added as soon as all lower worker
/// ids are in, so the reduction overlaps with waiting for the slowest worker, and the result equals
/// <see cref="GradientReduction.MeanInLogicalOrder"/> bit for bit (same additions, same order, double accumulation).</summary>
public sealed class LogicalOrderAccumulator
{
    private readonly double[] _sum;
    private readonly WorkerGradient?[] _waiting;
    private readonly bool[] _seen;
    private int _next;

    /// <summary>Creates an accumulator for <paramref name="workers"/> gradients of <paramref name="length"/> values.</summary>
    public LogicalOrderAccumulator(int workers, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _sum = new double[length];
        _waiting = new WorkerGradient?[workers];
        _seen = new bool[workers];
    }

    /// <summary>Gradients received so far.</summary>
    public int Count { get; private set; }

    /// <summary>True when every worker's gradient has been added.</summary>
    public bool IsComplete => _next == _waiting.Length;

    /// <summary>Takes one worker's gradient (any order); a duplicate or foreign id throws.</summary>
    public void Add(WorkerGradient gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var id = gradient.WorkerId;
        if ((uint)id >= (uint)_waiting.Length)
        {
            throw new ArgumentException($"worker id {id} is outside [0, {_waiting.Length})", nameof(gradient));
        }
        if (_seen[id])
        {
            throw new ArgumentException($"worker {id} appears twice", nameof(gradient));
        }
        if (gradient.Gradient.Length != _sum.Length)
        {
            throw new ArgumentException($"worker {id} has {gradient.Gradient.Length} gradient values, expected {_sum.Length}",
                nameof(gradient));
        }
        _seen[id] = true;
        _waiting[id] = gradient;
        Count++;
        while (_next < _waiting.Length && _waiting[_next] is { } ready)
        {
            var g = ready.Gradient;
            for (var j = 0; j < _sum.Length; j++)
            {
                _sum[j] += g[j];
            }
            _waiting[_next] = null;
            _next++;
        }
    }

    /// <summary>The mean gradient, once complete.</summary>
    public float[] Mean()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"only {Count} of {_waiting.Length} worker gradients arrived");
        }
        var result = new float[_sum.Length];
        double count = _waiting.Length;
        for (var j = 0; j < result.Length; j++)
        {
            result[j] = (float)(_sum[j] / count);
        }
        return result;
    }
}
