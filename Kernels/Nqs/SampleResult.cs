using MessagePack;

namespace Dataflow.Kernels.Nqs;

/// <summary>Unique configurations drawn from |psi|^2 with their multiplicities, log|psi| and phase.</summary>
/// <param name="Orbitals">K, tokens per configuration.</param>
/// <param name="Tokens">Flat tokens, K per configuration, configurations in lexicographic order.</param>
/// <param name="Counts">Logical samples of each configuration.</param>
/// <param name="LogAmplitudes">log|psi(x)| of each configuration, accumulated while sampling.</param>
/// <param name="Phases">phi(x) of each configuration (radians).</param>
[MessagePackObject]
public sealed record SampleResult(
    [property: Key(0)] int Orbitals,
    [property: Key(1)] byte[] Tokens,
    [property: Key(2)] long[] Counts,
    [property: Key(3)] double[] LogAmplitudes,
    [property: Key(4)] double[] Phases)
{
    /// <summary>Number of unique configurations.</summary>
    [IgnoreMember]
    public int Unique => Counts.Length;

    /// <summary>Logical samples, the sum of <see cref="Counts"/>.</summary>
    [IgnoreMember]
    public long Samples => Counts.Sum();

    /// <summary>The tokens of configuration <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> Configuration(int i) => Tokens.AsSpan(i * Orbitals, Orbitals);

    /// <summary>The spin-orbital string of configuration <paramref name="i"/> (K &lt;= 32).</summary>
    public ulong Bits(int i) => OrbitalTokens.ToBits(Configuration(i));

    /// <summary>The spin-orbital string of configuration <paramref name="i"/> (K &lt;= 64).</summary>
    public UInt128 Bits128(int i) => OrbitalTokens.ToBits128(Configuration(i));

    /// <summary>The union of samples of disjoint subtrees, in lexicographic order; a configuration present in
    /// several parts has its counts added (its amplitude and phase are taken from the first).</summary>
    public static SampleResult Merge(IEnumerable<SampleResult> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var list = parts.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("nothing to merge", nameof(parts));
        }
        var k = list[0].Orbitals;
        if (list.Any(p => p.Orbitals != k))
        {
            throw new ArgumentException("parts have different orbital counts", nameof(parts));
        }
        var rows = list.SelectMany(p => Enumerable.Range(0, p.Unique).Select(i => (Part: p, Index: i))).ToList();
        rows.Sort((x, y) => x.Part.Configuration(x.Index).SequenceCompareTo(y.Part.Configuration(y.Index)));
        var tokens = new List<byte>(rows.Count * k);
        var counts = new List<long>(rows.Count);
        var logAmplitudes = new List<double>(rows.Count);
        var phases = new List<double>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var (part, i) = rows[r];
            if (r > 0 && part.Configuration(i).SequenceEqual(rows[r - 1].Part.Configuration(rows[r - 1].Index)))
            {
                counts[^1] += part.Counts[i];
                continue;
            }
            tokens.AddRange(part.Configuration(i));
            counts.Add(part.Counts[i]);
            logAmplitudes.Add(part.LogAmplitudes[i]);
            phases.Add(part.Phases[i]);
        }
        return new SampleResult(k, [.. tokens], [.. counts], [.. logAmplitudes], [.. phases]);
    }
}
