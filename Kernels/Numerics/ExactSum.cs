namespace Dataflow.Kernels.Numerics;

/// <summary>A sum of doubles in fixed point (integer multiples of 2^-64 in 128 bits), exact and associative: partial
/// sums of any grouping of the terms, added in any order, give the same bits.</summary>
/// <remarks>Each term is rounded once to the grid (absolute error at most 2^-65, about 2.7e-20); magnitudes up to
/// 2^62 (4.6e18) fit. Thermo totals over MD domains and partial VMC gradients use it, so that they do not depend on how the work is split.</remarks>
public struct ExactSum
{
    private const double Scale = 18446744073709551616.0; // 2^64
    private const double MaxMagnitude = 4.6e18;
    private Int128 _value;

    /// <summary>Adds a term.</summary>
    /// <exception cref="ArithmeticException">The term is not finite or too large.</exception>
    public void Add(double term)
    {
        if (!double.IsFinite(term) || Math.Abs(term) > MaxMagnitude)
        {
            throw new ArithmeticException($"{term} is outside the range of an exact sum");
        }
        _value += (Int128)Math.Round(term * Scale, MidpointRounding.ToEven);
    }

    /// <summary>Adds another sum, exactly.</summary>
    public void Add(ExactSum other) => _value += other._value;

    /// <summary>The sum, rounded once to a double.</summary>
    public readonly double Value => (double)_value / Scale;

    /// <summary>The two 64-bit halves, for messages.</summary>
    public readonly (long High, ulong Low) Bits => ((long)(_value >> 64), (ulong)_value);

    /// <summary>A sum from <see cref="Bits"/>.</summary>
    public static ExactSum FromBits(long high, ulong low) => new() { _value = ((Int128)high << 64) | low };
}
