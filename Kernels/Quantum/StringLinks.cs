using System.Numerics;

namespace Dataflow.Kernels.Quantum;

/// <summary>The single-replacement lists of a set of occupation strings of one spin: for every string I, every
/// E_pq = a†_p a_q that does not annihilate it (q occupied, p empty or p = q), the string J with E_pq |I&gt; = sign |J&gt;.</summary>
/// <remarks>Knowles and Handy, Chem. Phys. Lett. 111, 315 (1984); the same table as PySCF's <c>cistring.gen_linkstr_index</c>.
/// The sign of a_q is (-1)^(occupied below q), that of a†_p is taken in I without q: together (-1)^(occupied strictly
/// between p and q).</remarks>
public sealed class StringLinks
{
    private StringLinks(int orbitalCount, ulong[] strings, int[] starts, int[] targets, int[] operators, double[] signs)
    {
        OrbitalCount = orbitalCount;
        Strings = strings;
        Starts = starts;
        Targets = targets;
        Operators = operators;
        Signs = signs;
    }

    /// <summary>Spatial orbitals n.</summary>
    public int OrbitalCount { get; }

    /// <summary>The strings, in <see cref="OccupationStrings"/> rank order.</summary>
    public ulong[] Strings { get; }

    /// <summary>Links of string I are entries <c>Starts[I] .. Starts[I + 1] - 1</c>.</summary>
    public int[] Starts { get; }

    /// <summary>Rank of J for each link.</summary>
    public int[] Targets { get; }

    /// <summary>p * n + q of E_pq for each link.</summary>
    public int[] Operators { get; }

    /// <summary>+1 or -1 for each link.</summary>
    public double[] Signs { get; }

    /// <summary>Number of strings.</summary>
    public int Count => Strings.Length;

    /// <summary>Bytes held by the tables.</summary>
    public long Bytes => Strings.LongLength * 8 + Starts.LongLength * 4 + Targets.LongLength * 16;

    /// <summary>The links of every string of <paramref name="electronCount"/> electrons in
    /// <paramref name="orbitalCount"/> orbitals.</summary>
    public static StringLinks Create(int orbitalCount, int electronCount)
    {
        var strings = OccupationStrings.Enumerate(orbitalCount, electronCount);
        var perString = electronCount * (orbitalCount - electronCount) + electronCount;
        var total = (long)strings.Length * perString;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, (long)Array.MaxLength, nameof(orbitalCount));
        var starts = new int[strings.Length + 1];
        var targets = new int[total];
        var operators = new int[total];
        var signs = new double[total];
        var k = 0;
        for (var i = 0; i < strings.Length; i++)
        {
            starts[i] = k;
            var s = strings[i];
            for (var q = 0; q < orbitalCount; q++)
            {
                if (((s >> q) & 1) == 0)
                {
                    continue;
                }
                for (var p = 0; p < orbitalCount; p++)
                {
                    if (p != q && ((s >> p) & 1) != 0)
                    {
                        continue;
                    }
                    var t = (s & ~(1UL << q)) | (1UL << p);
                    var low = Math.Min(p, q);
                    var high = Math.Max(p, q);
                    var between = high - low <= 1 ? 0UL : s & (((1UL << high) - 1) & ~((2UL << low) - 1));
                    targets[k] = (int)OccupationStrings.Rank(t);
                    operators[k] = p * orbitalCount + q;
                    signs[k] = (BitOperations.PopCount(between) & 1) == 0 ? 1.0 : -1.0;
                    k++;
                }
            }
        }
        starts[strings.Length] = k;
        return new StringLinks(orbitalCount, strings, starts, targets, operators, signs);
    }

    /// <summary>The largest number of links of one string.</summary>
    public int MaxLinks
    {
        get
        {
            var most = 0;
            for (var i = 0; i < Count; i++)
            {
                most = Math.Max(most, Starts[i + 1] - Starts[i]);
            }
            return most;
        }
    }
}
