using System.Numerics;

namespace Dataflow.Kernels.Quantum;

/// <summary>Strings of k electrons of one spin in n spatial orbitals (bit p = orbital p), enumerated and ranked in
/// colexicographic order, the order of increasing value.</summary>
/// <remarks>The rank of a string with occupied orbitals p_0 &lt; p_1 &lt; ... is sum_m C(p_m, m + 1), the
/// combinatorial number system (Knuth, TAOCP vol. 4A, section 7.2.1.3); it numbers the strings
/// 0 .. C(n, k) - 1 with no gaps and no table.</remarks>
public static class OccupationStrings
{
    private static readonly long[,] s_binomial = BuildBinomials();

    /// <summary>C(n, k) for 0 &lt;= n &lt;= 64; 0 when k is outside 0..n.</summary>
    public static long Binomial(int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 64);
        return k < 0 || k > n ? 0 : s_binomial[n, k];
    }

    /// <summary>All strings of <paramref name="electronCount"/> bits among the low <paramref name="orbitalCount"/>,
    /// in increasing order, so that <c>strings[Rank(s)] == s</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than 2^31 - 1 strings, or counts out of range.</exception>
    public static ulong[] Enumerate(int orbitalCount, int electronCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(electronCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(electronCount, orbitalCount);
        var count = Binomial(orbitalCount, electronCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (long)Array.MaxLength, nameof(orbitalCount));
        var strings = new ulong[count];
        var s = electronCount == 64 ? ulong.MaxValue : (1UL << electronCount) - 1;
        for (var r = 0L; r < count; r++)
        {
            strings[r] = s;
            if (r + 1 < count)
            {
                // Next larger word with the same number of set bits (Gosper's hack, HAKMEM item 175).
                var lowest = s & (~s + 1);
                var ripple = s + lowest;
                s = (((ripple ^ s) >> 2) / lowest) | ripple;
            }
        }
        return strings;
    }

    /// <summary>Position of <paramref name="occupationString"/> among the strings of its bit count.</summary>
    public static long Rank(ulong occupationString)
    {
        var rank = 0L;
        var m = 1;
        for (var rest = occupationString; rest != 0; rest &= rest - 1, m++)
        {
            rank += s_binomial[BitOperations.TrailingZeroCount(rest), m];
        }
        return rank;
    }

    private static long[,] BuildBinomials()
    {
        var table = new long[65, 65];
        for (var n = 0; n <= 64; n++)
        {
            table[n, 0] = 1;
            for (var k = 1; k <= n; k++)
            {
                // Pascal's rule; C(64, 32) = 1.8e18 still fits a long.
                table[n, k] = table[n - 1, k - 1] + (k <= n - 1 ? table[n - 1, k] : 0);
            }
        }
        return table;
    }
}
