namespace Dataflow.Kernels.Train;

/// <summary>Counter-based random numbers: every value is a pure function of (key, counter), so any
/// process on any machine draws the same numbers without sharing a stream.</summary>
/// <remarks>
/// The mixing function is the SplitMix64 finaliser (Steele, Lea &amp; Flood, "Fast splittable pseudorandom
/// number generators", OOPSLA 2014); value <c>n</c> of key <c>k</c> is <c>Mix(k + (n + 1) * golden)</c>,
/// which is exactly the SplitMix64 stream started at state <c>k</c>. Integer arithmetic only, so the
/// uniform and bounded-integer draws are bitwise portable. <see cref="Gaussian"/> uses Box-Muller and so
/// calls <see cref="Math.Log(double)"/> and <see cref="Math.Cos"/>; callers round its result to
/// <see cref="float"/>, which hides last-place differences between platform maths libraries.
/// </remarks>
public static class CounterRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64 finaliser: a bijective avalanche mix of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Derives a stream key from a job seed, a purpose tag and up to three indices.</summary>
    public static ulong Key(long seed, ulong purpose, long a = 0, long b = 0, long c = 0)
    {
        var k = Mix(unchecked((ulong)seed) ^ Golden);
        k = Mix(k + purpose);
        k = Mix(k + unchecked((ulong)a));
        k = Mix(k + unchecked((ulong)b));
        return Mix(k + unchecked((ulong)c));
    }

    /// <summary>Raw 64 random bits number <paramref name="counter"/> of stream <paramref name="key"/>.</summary>
    public static ulong Bits(ulong key, ulong counter) => Mix(unchecked(key + (counter + 1) * Golden));

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong key, ulong counter) => (Bits(key, counter) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="bound"/>) by Lemire's multiply-shift (bias below 2^-32 for bounds under 2^32).</summary>
    public static int Below(ulong key, ulong counter, int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)Math.BigMul(Bits(key, counter), (ulong)bound, out _);
    }

    /// <summary>Standard normal deviate from draws 2n and 2n+1 of the stream (Box-Muller, cosine branch).</summary>
    public static double Gaussian(ulong key, ulong counter)
    {
        var u1 = 1.0 - Uniform(key, 2 * counter);      // (0, 1], so the logarithm is finite
        var u2 = Uniform(key, 2 * counter + 1);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
