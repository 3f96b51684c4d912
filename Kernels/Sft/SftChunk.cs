namespace Dataflow.Kernels.Sft;

/// <summary>One row of tokens the model runs at once: a chunk of one size (ChunkFlow), or a padded or packed row of
/// the baselines. Parallel arrays, one entry per token.</summary>
/// <param name="Tokens">Token ids (padding: 0).</param>
/// <param name="Labels">The next token of the same sequence, or -100 where there is none (last token, padding).</param>
/// <param name="Positions">Position of each token in its sequence.</param>
/// <param name="Sequences">Id of each token's sequence in the global batch (padding: -1).</param>
public sealed record SftChunk(int[] Tokens, int[] Labels, int[] Positions, int[] Sequences)
{
    /// <summary>Label of a token without a target.</summary>
    public const int NoTarget = -100;

    /// <summary>Tokens in the row, padding included.</summary>
    public int Length => Tokens.Length;

    /// <summary>Tokens that are not padding.</summary>
    public int RealTokens => Sequences.Count(s => s >= 0);

    /// <summary>This row padded with <paramref name="length"/> - <see cref="Length"/> padding tokens at its end.</summary>
    public SftChunk PadTo(int length)
    {
        if (length < Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"cannot pad a row of {Length} tokens to {length}");
        }
        var pad = length - Length;
        return new SftChunk(
            [.. Tokens, .. new int[pad]],
            [.. Labels, .. Enumerable.Repeat(NoTarget, pad)],
            [.. Positions, .. Enumerable.Range(0, pad)],
            [.. Sequences, .. Enumerable.Repeat(-1, pad)]);
    }

    /// <summary>Sequence <paramref name="id"/>'s tokens [start, start + count) as a row of its own.</summary>
    public static SftChunk Slice(int[] sequence, int id, int start, int count)
    {
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var next = start + i + 1;
            labels[i] = next < sequence.Length ? sequence[next] : NoTarget;
        }
        return new SftChunk(
            sequence.AsSpan(start, count).ToArray(),
            labels,
            Enumerable.Range(start, count).ToArray(),
            Enumerable.Repeat(id, count).ToArray());
    }

    /// <summary>Rows laid end to end in one row (a packed row).</summary>
    public static SftChunk Concat(IEnumerable<SftChunk> rows)
    {
        var list = rows.ToList();
        return new SftChunk(
            list.SelectMany(r => r.Tokens).ToArray(),
            list.SelectMany(r => r.Labels).ToArray(),
            list.SelectMany(r => r.Positions).ToArray(),
            list.SelectMany(r => r.Sequences).ToArray());
    }
}

/// <summary>What a trainer runs as one unit: rows of equal length run side by side as one batch, or (when
/// <see cref="Dependent"/>) the consecutive chunks of one long sequence, run by the ChunkFlow schedule.</summary>
public sealed record SftWorkItem(SftChunk[] Rows, bool Dependent)
{
    /// <summary>Tokens computed, padding included.</summary>
    public long ComputedTokens => Rows.Sum(r => (long)r.Length);

    /// <summary>Tokens that are not padding.</summary>
    public long RealTokens => Rows.Sum(r => (long)r.RealTokens);
}
