using Dataflow.Kernels.Train;
using MessagePack;

namespace Dataflow.Kernels.Sft;

/// <summary>The sequences a <c>sft</c> job trains on: tokenized sequences read by the client (shipped with the job),
/// or a synthetic length mix drawn from the seed wherever it is needed.</summary>
/// <param name="Name">Where the sequences came from (a file name or <c>synthetic:lmsys</c>).</param>
/// <param name="Vocabulary">Token ids are in [0, Vocabulary).</param>
/// <param name="Tokens">All sequences' tokens end to end (empty for a synthetic corpus).</param>
/// <param name="Lengths">Each sequence's length (empty for a synthetic corpus).</param>
/// <param name="Synthetic">The synthetic mix, or null for a file's sequences.</param>
[MessagePackObject]
public sealed record SftCorpus(
    [property: Key(0)] string Name,
    [property: Key(1)] int Vocabulary,
    [property: Key(2)] int[] Tokens,
    [property: Key(3)] int[] Lengths,
    [property: Key(4)] SyntheticMix? Synthetic)
{
    /// <summary>Vocabulary of synthetic corpora (the byte-level tokenizer's).</summary>
    public const int SyntheticVocabulary = 256;

    /// <summary>A synthetic corpus of the given mix.</summary>
    public static SftCorpus Of(SyntheticMix mix) =>
        new($"synthetic:{mix.ToString().ToLowerInvariant()}", SyntheticVocabulary, [], [], mix);

    /// <summary>A corpus of <paramref name="sequences"/>.</summary>
    public static SftCorpus Of(string name, int vocabulary, IReadOnlyList<int[]> sequences) =>
        new(name, vocabulary, sequences.SelectMany(s => s).ToArray(), sequences.Select(s => s.Length).ToArray(), null);

    /// <summary>Number of sequences of a file corpus.</summary>
    [IgnoreMember]
    public int Count => Lengths.Length;

    /// <summary>Throws <see cref="ArgumentException"/> naming what does not fit <paramref name="context"/>.</summary>
    public void Validate(int context)
    {
        if (Synthetic is not null)
        {
            return;
        }
        if (Lengths.Length == 0)
        {
            throw new ArgumentException($"{Name}: no sequences", "data");
        }
        if (Lengths.Sum(l => (long)l) != Tokens.Length || Lengths.Any(l => l < 1))
        {
            throw new ArgumentException($"{Name}: sequence lengths do not match the tokens", "data");
        }
        if (Lengths.Max() > context)
        {
            throw new ArgumentException($"{Name}: a sequence of {Lengths.Max()} tokens is past the model's context of {context}", "data");
        }
        if (Tokens.Any(t => (uint)t >= (uint)Vocabulary))
        {
            throw new ArgumentException($"{Name}: a token id is outside the vocabulary [0, {Vocabulary})", "data");
        }
    }

    /// <summary>The sequences of global step <paramref name="step"/>'s batch of <paramref name="batch"/>: synthetic
    /// ones drawn from (seed, step, slot); a file's taken in a seeded order, epoch after epoch.</summary>
    public int[][] Batch(long seed, long step, int batch)
    {
        var result = new int[batch][];
        for (var slot = 0; slot < batch; slot++)
        {
            result[slot] = Synthetic is { } mix
                ? SyntheticSequences.Draw(mix, seed, step * batch + slot)
                : Sequence(Order(seed)[(int)((step * batch + slot) % Count)]);
        }
        return result;
    }

    private int[]? _order;
    private long _orderSeed;
    private long[]? _offsets;

    private int[] Sequence(int index)
    {
        _offsets ??= Offsets();
        return Tokens.AsSpan((int)_offsets[index], Lengths[index]).ToArray();
    }

    private long[] Offsets()
    {
        var offsets = new long[Count];
        for (var i = 1; i < Count; i++)
        {
            offsets[i] = offsets[i - 1] + Lengths[i - 1];
        }
        return offsets;
    }

    // Fisher-Yates shuffle from the seed's counter stream.
    private int[] Order(long seed)
    {
        if (_order is not null && _orderSeed == seed)
        {
            return _order;
        }
        var order = Enumerable.Range(0, Count).ToArray();
        var key = CounterRandom.Key(seed, 0x5F7_0DE5);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = CounterRandom.Below(key, (ulong)i, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        _orderSeed = seed;
        return _order = order;
    }
}

/// <summary>The synthetic length mixes of <c>--synthetic</c>.</summary>
public enum SyntheticMix
{
    /// <summary>LMSysChat1M-like: 87 % of sequences under 1K tokens, the longest about 300x the median.</summary>
    Lmsys,

    /// <summary>ChatQA2-Long-SFT-like: 22 % under 1K tokens, most of them long.</summary>
    ChatQa2,
}

/// <summary>Draws synthetic sequences: a length from the mix, then tokens of a random walk the model can learn.</summary>
/// <remarks>
/// Lengths are log-normal, clipped to [16, 16384] (the mixes scaled to this machine):
/// LMSys median 64 tokens with sigma 2.46, so that P(L &lt; 1024) = Phi(ln(16) / 2.46) = 0.87 and the 16,384 cap
/// is 256x the median; ChatQA2 median 3,000 with sigma 1.39, so that P(L &lt; 1024) = Phi(ln(1024/3000) / 1.39) = 0.22.
/// Tokens: t_0 uniform, t_{i+1} = (t_i + d_i) mod 256 with d_i uniform in {1, 2, 3}; the best a model can do is
/// ln 3 = 1.0986 nats per token.
/// </remarks>
public static class SyntheticSequences
{
    /// <summary>Shortest synthetic sequence.</summary>
    public const int MinLength = 16;

    /// <summary>Longest synthetic sequence.</summary>
    public const int MaxLength = SftModelConfig.MaxContext;

    /// <summary>Median and log-normal sigma of a mix.</summary>
    public static (double Median, double Sigma) Parameters(SyntheticMix mix) => mix switch
    {
        SyntheticMix.Lmsys => (64, 2.46),
        SyntheticMix.ChatQa2 => (3000, 1.39),
        _ => throw new ArgumentOutOfRangeException(nameof(mix), mix, "unknown mix"),
    };

    /// <summary>The length of synthetic sequence <paramref name="index"/>.</summary>
    public static int Length(SyntheticMix mix, long seed, long index)
    {
        var (median, sigma) = Parameters(mix);
        var key = CounterRandom.Key(seed, 0x5F7_1E, index);
        var length = median * Math.Exp(sigma * CounterRandom.Gaussian(key, 0));
        return (int)Math.Clamp(Math.Round(length), MinLength, MaxLength);
    }

    /// <summary>Synthetic sequence <paramref name="index"/>.</summary>
    public static int[] Draw(SyntheticMix mix, long seed, long index)
    {
        var length = Length(mix, seed, index);
        var key = CounterRandom.Key(seed, 0x5F7_70C, index);
        var tokens = new int[length];
        tokens[0] = CounterRandom.Below(key, 0, SftCorpus.SyntheticVocabulary);
        for (var i = 1; i < length; i++)
        {
            tokens[i] = (tokens[i - 1] + 1 + CounterRandom.Below(key, (ulong)i, 3)) % SftCorpus.SyntheticVocabulary;
        }
        return tokens;
    }
}
