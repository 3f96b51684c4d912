using MessagePack;

namespace Dataflow.Kernels.Nqs;

/// <summary>Unique prefixes of <see cref="Depth"/> orbitals with how many logical samples pass through each:
/// the unit of work handed to a sampler by <see cref="AutoregressiveSampler.SplitPrefixes"/>.</summary>
/// <param name="Depth">Orbitals fixed in each prefix.</param>
/// <param name="Tokens">Flat tokens, <paramref name="Depth"/> per prefix, prefixes in lexicographic order.</param>
/// <param name="Counts">Logical samples below each prefix.</param>
[MessagePackObject]
public sealed record PrefixSet(
    [property: Key(0)] int Depth,
    [property: Key(1)] byte[] Tokens,
    [property: Key(2)] long[] Counts)
{
    /// <summary>The root: the empty prefix carrying all <paramref name="samples"/>.</summary>
    public static PrefixSet Root(long samples) => new(0, [], [samples]);

    /// <summary>Number of prefixes.</summary>
    [IgnoreMember]
    public int Count => Counts.Length;

    /// <summary>Logical samples below all prefixes.</summary>
    [IgnoreMember]
    public long Samples => Counts.Sum();

    /// <summary>The tokens of prefix <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> Prefix(int i) => Tokens.AsSpan(i * Depth, Depth);
}
