using Dataflow.Kernels.Train;

namespace Dataflow.Kernels.Nqs;

/// <summary>A stream of uniform doubles that is a pure function of its key: value n is
/// <see cref="CounterRandom.Uniform"/>(key, n), SplitMix64 over a counter.</summary>
/// <remarks>The sampler keys one stream per tree node from (seed, iteration, depth, prefix), so a node's draws do not
/// depend on which sampler expands it or in which order.</remarks>
public struct CounterStream
{
    private readonly ulong _key;
    private ulong _counter;

    /// <summary>Starts the stream of <paramref name="key"/> at value 0.</summary>
    public CounterStream(ulong key)
    {
        _key = key;
        _counter = 0;
    }

    /// <summary>Values drawn so far.</summary>
    public readonly ulong Drawn => _counter;

    /// <summary>The next uniform double in [0, 1) (53 random bits).</summary>
    public double NextUniform() => CounterRandom.Uniform(_key, _counter++);

    /// <summary>The key of the stream of the sampling-tree node for the prefix <paramref name="prefixBits"/> of
    /// <paramref name="depth"/> orbitals (spin-orbital string, <see cref="OrbitalTokens.ToBits128"/>).</summary>
    public static ulong NodeKey(long seed, long iteration, int depth, UInt128 prefixBits)
    {
        var hash = CounterRandom.Mix((ulong)prefixBits ^ CounterRandom.Mix((ulong)(prefixBits >> 64) + NodePurpose));
        return CounterRandom.Key(seed, NodePurpose, iteration, depth, unchecked((long)hash));
    }

    // "NQSNODE" in ASCII: separates these streams from other users of CounterRandom with the same seed.
    private const ulong NodePurpose = 0x004E51534E4F4445UL;
}
