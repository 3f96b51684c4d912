namespace Dataflow.Kernels.Train;

/// <summary>Non-deterministic baseline: adds gradients in single precision in whatever order they arrive,
/// as a naive all-reduce would. Its result depends on arrival order in the last bits; only benchmarks
/// use it, to show what <see cref="GradientReduction.MeanInLogicalOrder"/> avoids.</summary>
/// <remarks>Thread-safe: <see cref="Add"/> may be called from several threads.</remarks>
public sealed class ArrivalOrderAccumulator
{
    private readonly object _gate = new();
    private readonly float[] _sum;
    private int _count;

    /// <summary>An empty accumulator for gradients of <paramref name="length"/> values.</summary>
    public ArrivalOrderAccumulator(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _sum = new float[length];
    }

    /// <summary>Gradients added so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Adds one worker's gradient to the running float sum.</summary>
    public void Add(WorkerGradient gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.Gradient.Length != _sum.Length)
        {
            throw new ArgumentException(
                $"gradient has {gradient.Gradient.Length} values, the accumulator {_sum.Length}", nameof(gradient));
        }
        lock (_gate)
        {
            var g = gradient.Gradient;
            for (var j = 0; j < _sum.Length; j++)
            {
                _sum[j] += g[j];
            }
            _count++;
        }
    }

    /// <summary>The running sum divided by the number of gradients added.</summary>
    public float[] Mean()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                throw new InvalidOperationException("no gradient was added");
            }
            var result = new float[_sum.Length];
            for (var j = 0; j < result.Length; j++)
            {
                result[j] = _sum[j] / _count;
            }
            return result;
        }
    }
}
