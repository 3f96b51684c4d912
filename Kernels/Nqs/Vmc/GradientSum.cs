using Dataflow.Kernels.Numerics;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>A sum of gradient vectors in fixed point (integer multiples of 2^-64, 128-bit), so that addition is exact
/// and associative: partial sums added in any grouping and order give the same bits.</summary>
/// <remarks>Each added double is rounded once to the grid (absolute error at most 2^-65 ~ 2.7e-20); magnitudes up to
/// 2^62 fit. Partial gradients of sample groups are reduced with <see cref="Add(GradientSum)"/>.</remarks>
public sealed class GradientSum
{
    private const double MaxMagnitude = 4.6e18; // < 2^62, ExactSum's range
    private readonly ExactSum[] _values;

    /// <summary>A zero sum over <paramref name="length"/> parameters.</summary>
    public GradientSum(int length) => _values = new ExactSum[length];

    /// <summary>Number of parameters.</summary>
    public int Length => _values.Length;

    /// <summary>Adds a double vector, each component rounded to the nearest multiple of 2^-64.</summary>
    public void Add(ReadOnlySpan<double> gradient)
    {
        if (gradient.Length != _values.Length)
        {
            throw new ArgumentException($"{gradient.Length} components for {_values.Length} parameters", nameof(gradient));
        }
        for (var i = 0; i < gradient.Length; i++)
        {
            var g = gradient[i];
            if (!double.IsFinite(g) || Math.Abs(g) > MaxMagnitude)
            {
                throw new ArithmeticException($"gradient component {i} = {g} is outside the fixed-point range");
            }
            _values[i].Add(g);
        }
    }

    /// <summary>Adds another sum exactly.</summary>
    public void Add(GradientSum other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length)
        {
            throw new ArgumentException($"{other.Length} components for {Length} parameters", nameof(other));
        }
        for (var i = 0; i < _values.Length; i++)
        {
            _values[i].Add(other._values[i]);
        }
    }

    /// <summary>The fixed-point values as two longs each (high, then low half), for transport between processes.</summary>
    public long[] ToBits()
    {
        var bits = new long[2 * _values.Length];
        for (var i = 0; i < _values.Length; i++)
        {
            var (high, low) = _values[i].Bits;
            bits[2 * i] = high;
            bits[2 * i + 1] = unchecked((long)low);
        }
        return bits;
    }

    /// <summary>A sum from <see cref="ToBits"/>.</summary>
    public static GradientSum FromBits(long[] bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        var sum = new GradientSum(bits.Length / 2);
        for (var i = 0; i < sum._values.Length; i++)
        {
            sum._values[i] = ExactSum.FromBits(bits[2 * i], unchecked((ulong)bits[2 * i + 1]));
        }
        return sum;
    }

    /// <summary>The sum as doubles (each rounded once).</summary>
    public double[] ToDoubles()
    {
        var result = new double[_values.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _values[i].Value;
        }
        return result;
    }
}
