namespace Dataflow.Kernels.Sft;

/// <summary>One micro-batch of a context-parallel group after DACP: each sequence local to one rank or sharded over all.</summary>
/// <param name="Sequences">Ids of the global batch's sequences, longest first.</param>
/// <param name="Placement">Per sequence: the rank that runs it whole, or <see cref="SkrullScheduler.Sharded"/>.</param>
/// <param name="RankTokens">Tokens each rank holds (its local sequences and its shards): what alpha x S bounds.</param>
/// <param name="RankSeconds">Each rank's predicted seconds.</param>
public sealed record SkrullMicroBatch(int[] Sequences, int[] Placement, long[] RankTokens, double[] RankSeconds)
{
    /// <summary>Predicted seconds of the micro-batch: its slowest rank.</summary>
    public double Seconds => RankSeconds.Max();
}

/// <summary>Skrull's schedule of one global batch: per data-parallel rank, its micro-batches (run one after another).</summary>
/// <param name="DataParallel">Per data-parallel rank, its micro-batches.</param>
/// <param name="ContextParallel">Ranks of each context-parallel group.</param>
/// <param name="BucketTokens">Tokens one rank may hold (the memory bound over alpha).</param>
public sealed record SkrullPlan(SkrullMicroBatch[][] DataParallel, int ContextParallel, long BucketTokens)
{
    /// <summary>Predicted iteration seconds: the slowest data-parallel rank's micro-batches in sequence.</summary>
    public double Seconds => DataParallel.Max(r => r.Sum(m => m.Seconds));
}

/// <summary>Skrull's dynamic data scheduling (arXiv 2505.19609, section 4): GDS spreads a global batch over the
/// data-parallel ranks by predicted FLOPs and cuts each rank's share into strided micro-batches; DACP decides per
/// micro-batch which sequences are sharded over the context-parallel ranks and which stay whole on one rank, under a
/// per-rank memory bound, rolling a decision back when memory would be exceeded. Pure functions of the lengths.</summary>
public static class SkrullScheduler
{
    /// <summary>Placement of a sequence sharded over every rank of the group.</summary>
    public const int Sharded = -1;

    /// <summary>DACP over <paramref name="ranks"/> context-parallel ranks: null when the micro-batch cannot fit
    /// <paramref name="bucketTokens"/> per rank even with every sequence sharded.</summary>
    /// <remarks>
    /// Longest first, each sequence goes whole to the rank with the least predicted time that has room for it,
    /// unless sharding it gives a shorter slowest rank (a long sequence's quadratic attention is then split) or it has
    /// no room anywhere. When neither fits, the decisions are rolled back: the largest whole sequence of the rank
    /// with the most tokens is marked sharded and the micro-batch is placed again from the start. Memory is counted
    /// in tokens (alpha x S is linear), each rank's shard of a sequence as <see cref="ContextParallelShard.Split"/> cuts it.
    /// </remarks>
    public static SkrullMicroBatch? Dacp(IReadOnlyList<int> ids, IReadOnlyList<int> lengths, int ranks, long bucketTokens, SkrullCostModel cost)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        var order = ids.OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        // What no placement can fix: every sequence sharded still over the bound (rank 0 holds the most of each
        // shard), or a sequence too short to shard and too long to keep. Checked first, so that GDS's trials of too
        // few micro-batches cost one pass, not a cascade of rollbacks.
        long allSharded = 0;
        foreach (var i in order)
        {
            if (lengths[i] < ranks)
            {
                if (lengths[i] > bucketTokens)
                {
                    return null;
                }
                continue;
            }
            allSharded += (lengths[i] + ranks - 1) / ranks;
        }
        if (allSharded > bucketTokens)
        {
            return null;
        }
        var forced = new HashSet<int>();
        while (true)
        {
            var (placement, tokens, seconds, failed) = Place(order, lengths, ranks, bucketTokens, cost, forced);
            if (failed < 0)
            {
                return new SkrullMicroBatch(order, placement, tokens, seconds);
            }
            // Roll back: the biggest whole sequence on the fullest rank becomes sharded.
            var fullest = Array.IndexOf(tokens, tokens.Max());
            var victim = -1;
            for (var k = 0; k < failed; k++)
            {
                if (placement[k] == fullest && !forced.Contains(order[k]))
                {
                    victim = order[k];
                    break;
                }
            }
            if (victim < 0)
            {
                victim = Enumerable.Range(0, failed).Where(k => placement[k] >= 0).Select(k => order[k]).FirstOrDefault(-1);
            }
            if (victim < 0)
            {
                return null;
            }
            forced.Add(victim);
        }
    }

    // One greedy pass; failed: the index in order of the first sequence that fits neither way (-1: all placed).
    private static (int[] Placement, long[] Tokens, double[] Seconds, int Failed) Place(
        int[] order, IReadOnlyList<int> lengths, int ranks, long bucket, SkrullCostModel cost, HashSet<int> forced)
    {
        var placement = new int[order.Length];
        var tokens = new long[ranks];
        var seconds = new double[ranks];
        var slowest = 0.0;
        for (var k = 0; k < order.Length; k++)
        {
            var length = lengths[order[k]];
            var local = -1;
            if (!forced.Contains(order[k]))
            {
                for (var r = 0; r < ranks; r++)
                {
                    if (tokens[r] + length <= bucket && (local < 0 || seconds[r] < seconds[local]))
                    {
                        local = r;
                    }
                }
            }
            // Shards as ContextParallelShard.Split cuts them: the first length mod N ranks hold one token more.
            var shardFits = length >= ranks;
            var shardMakespan = 0.0;
            for (int r = 0, start = 0; shardFits && r < ranks; r++)
            {
                var count = length / ranks + (r < length % ranks ? 1 : 0);
                shardFits = tokens[r] + count <= bucket;
                shardMakespan = Math.Max(shardMakespan, seconds[r] + cost.ShardSeconds(start, count));
                start += count;
            }
            var localMakespan = local < 0 ? double.MaxValue : Math.Max(slowest, seconds[local] + cost.Seconds(length));
            if (local >= 0 && (!shardFits || localMakespan <= shardMakespan))
            {
                placement[k] = local;
                tokens[local] += length;
                seconds[local] += cost.Seconds(length);
                slowest = Math.Max(slowest, seconds[local]);
            }
            else if (shardFits)
            {
                placement[k] = Sharded;
                for (int r = 0, start = 0; r < ranks; r++)
                {
                    var count = length / ranks + (r < length % ranks ? 1 : 0);
                    tokens[r] += count;
                    seconds[r] += cost.ShardSeconds(start, count);
                    slowest = Math.Max(slowest, seconds[r]);
                    start += count;
                }
            }
            else
            {
                return (placement, tokens, seconds, k);
            }
        }
        return (placement, tokens, seconds, -1);
    }

    /// <summary>GDS: the global batch of <paramref name="lengths"/> over <paramref name="dataParallel"/> ranks of
    /// <paramref name="contextParallel"/> context-parallel ranks each.</summary>
    /// <remarks>Sequences by predicted seconds, longest first, each to the data-parallel rank with the least so far
    /// (LPT bin-packing); a rank's sequences, longest first, are dealt with a stride into M micro-batches (sequence k
    /// to micro-batch k mod M, so each mixes long and short), M the fewest for which DACP fits every micro-batch.</remarks>
    /// <exception cref="ArgumentException">A sequence does not fit the bound even sharded over the group.</exception>
    public static SkrullPlan Gds(IReadOnlyList<int> lengths, int dataParallel, int contextParallel, long bucketTokens, SkrullCostModel cost)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentOutOfRangeException.ThrowIfLessThan(dataParallel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextParallel, 1);
        for (var i = 0; i < lengths.Count; i++)
        {
            var share = (lengths[i] + contextParallel - 1) / contextParallel;
            var fitsWhole = lengths[i] <= bucketTokens;
            var fitsSharded = lengths[i] >= contextParallel && share <= bucketTokens;
            if (lengths[i] < 1 || !(fitsWhole || fitsSharded))
            {
                throw new ArgumentException(
                    $"sequence {i} of {lengths[i]} tokens does not fit {bucketTokens} tokens per rank even sharded over {contextParallel} ranks "
                    + "(raise --memory-budget or the context-parallel ranks)", "memory-budget");
            }
        }
        var load = new double[dataParallel];
        var shares = Enumerable.Range(0, dataParallel).Select(_ => new List<int>()).ToArray();
        foreach (var i in Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i))
        {
            var d = 0;
            for (var r = 1; r < dataParallel; r++)
            {
                if (load[r] < load[d])
                {
                    d = r;
                }
            }
            shares[d].Add(i);
            load[d] += cost.Seconds(lengths[i]);
        }
        var plan = new SkrullMicroBatch[dataParallel][];
        for (var d = 0; d < dataParallel; d++)
        {
            plan[d] = MicroBatches(shares[d], lengths, contextParallel, bucketTokens, cost);
        }
        return new SkrullPlan(plan, contextParallel, bucketTokens);
    }

    private static SkrullMicroBatch[] MicroBatches(List<int> share, IReadOnlyList<int> lengths, int ranks, long bucket, SkrullCostModel cost)
    {
        if (share.Count == 0)
        {
            return [];
        }
        var total = share.Sum(i => (long)lengths[i]);
        var count = (int)Math.Max(1, Math.Min(share.Count, (total + ranks * bucket - 1) / (ranks * bucket)));
        for (; ; count++)
        {
            var batches = new SkrullMicroBatch[count];
            var fits = true;
            for (var m = 0; m < count && fits; m++)
            {
                // share is longest first: the stride gives every micro-batch a mix.
                var ids = share.Where((_, k) => k % count == m).ToArray();
                var batch = Dacp(ids, lengths, ranks, bucket, cost);
                fits = batch is not null;
                batches[m] = batch!;
            }
            if (fits)
            {
                return batches;
            }
            // A micro-batch of one sequence always fits (checked in Gds), so this ends at count == share.Count.
        }
    }
}
