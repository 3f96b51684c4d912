using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Kernels.Sft;

public sealed class SkrullSchedulerSpec
{
    // Of the order measured for the tiny model on this machine: 2 ms a pass, 20 us a token, 2 ns a token squared.
    private static readonly SkrullCostModel s_cost = new(2e-3, 2e-5, 2e-9, 9000);

    [Fact]
    public void The_cost_model_recovers_known_coefficients_from_exact_measurements()
    {
        int[] lengths = [16, 128, 512, 2048, 8192];
        var samples = lengths.Select(l => (l, s_cost.Seconds(l), (long)(s_cost.BytesPerToken * l))).ToArray();
        var fit = SkrullCostModel.Fit(samples);
        Assert.Equal(s_cost.FixedSeconds, fit.FixedSeconds, 1e-12);
        Assert.Equal(s_cost.SecondsPerToken, fit.SecondsPerToken, 1e-14);
        Assert.Equal(s_cost.SecondsPerTokenSquared, fit.SecondsPerTokenSquared, 1e-18);
        Assert.Equal(s_cost.BytesPerToken, fit.BytesPerToken, 1e-6);
        // A shard's cost: the ranks of a sharded sequence together do the whole sequence's token and pair work.
        var split = ContextParallelShard.Split(1001, 3);
        var together = split.Sum(s => s_cost.ShardSeconds(s.Start, s.Count) - s_cost.FixedSeconds);
        Assert.Equal(s_cost.Seconds(1001) - s_cost.FixedSeconds, together, 1e-12);
        Assert.Throws<ArgumentException>(() => SkrullCostModel.Fit([(16, 1.0, 1L), (32, 2.0, 2L)]));
    }

    [Fact]
    public void Dacp_never_exceeds_the_memory_bound_and_places_every_sequence_exactly_once()
    {
        var infeasible = 0;
        var sharded = 0;
        for (var trial = 0; trial < 2000; trial++)
        {
            var key = CounterRandom.Key(trial, 0x5C);
            var ranks = 1 + CounterRandom.Below(key, 0, 4);
            var count = 1 + CounterRandom.Below(key, 1, 40);
            var lengths = Enumerable.Range(0, count)
                .Select(i => trial % 2 == 0
                    ? SyntheticSequences.Length(SyntheticMix.Lmsys, trial, i)
                    : 4 + CounterRandom.Below(key, (ulong)(10 + i), 3000))
                .ToArray();
            var bucket = 8L + CounterRandom.Below(key, 2, 12000);
            // A sub-set of the batch, as GDS hands DACP one micro-batch.
            var ids = Enumerable.Range(0, count).Where(i => CounterRandom.Below(key, (ulong)(100 + i), 4) != 0).ToArray();

            var batch = SkrullScheduler.Dacp(ids, lengths, ranks, bucket, s_cost);

            if (batch is null)
            {
                // Refused only when not even sharding everything (or, for a sequence shorter than the ranks, keeping
                // it whole) fits.
                var allSharded = new long[ranks];
                var possible = true;
                foreach (var i in ids)
                {
                    if (lengths[i] < ranks)
                    {
                        possible &= lengths[i] <= bucket;
                        continue;
                    }
                    var split = ContextParallelShard.Split(lengths[i], ranks);
                    for (var r = 0; r < ranks; r++)
                    {
                        allSharded[r] += split[r].Count;
                    }
                }
                Assert.True(!possible || allSharded.Max() > bucket, $"trial {trial}: refused a micro-batch that fits sharded");
                infeasible++;
                continue;
            }
            Assert.Equal(ids.Order(), batch.Sequences.Order());
            Assert.Equal(batch.Sequences.Length, batch.Sequences.Distinct().Count());
            var held = new long[ranks];
            for (var k = 0; k < batch.Sequences.Length; k++)
            {
                var length = lengths[batch.Sequences[k]];
                if (batch.Placement[k] == SkrullScheduler.Sharded)
                {
                    sharded++;
                    var split = ContextParallelShard.Split(length, ranks);
                    Assert.Equal(length, split.Sum(s => s.Count));
                    for (var r = 0; r < ranks; r++)
                    {
                        held[r] += split[r].Count;
                    }
                }
                else
                {
                    Assert.InRange(batch.Placement[k], 0, ranks - 1);
                    held[batch.Placement[k]] += length;
                }
            }
            Assert.Equal(held, batch.RankTokens);
            Assert.True(held.Max() <= bucket, $"trial {trial}: a rank holds {held.Max()} tokens, bound {bucket}");
        }
        // Not vacuous: the trials reach refusals and sharding.
        Assert.InRange(infeasible, 50, 1950);
        Assert.True(sharded > 100);
    }

    [Fact]
    public void Gds_places_every_sequence_once_within_the_bound_in_strided_micro_batches()
    {
        var (sharded, microBatches, ranks) = (0, 0, 0);
        for (var trial = 0; trial < 50; trial++)
        {
            var lengths = Enumerable.Range(0, 64).Select(i => SyntheticSequences.Length(SyntheticMix.Lmsys, 100 + trial, i)).ToArray();
            var (dp, cp) = (1 + trial % 3, 1 + trial % 2);
            var bucket = 16384L / cp + 256L * trial;

            var plan = SkrullScheduler.Gds(lengths, dp, cp, bucket, s_cost);

            var all = plan.DataParallel.SelectMany(r => r.SelectMany(m => m.Sequences)).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, lengths.Length), all);
            Assert.All(plan.DataParallel.SelectMany(r => r), m => Assert.True(m.RankTokens.Max() <= bucket));
            // Strided: a rank's micro-batches differ by at most one sequence.
            foreach (var rank in plan.DataParallel)
            {
                Assert.True(rank.Length == 0 || rank.Max(m => m.Sequences.Length) - rank.Min(m => m.Sequences.Length) <= 1);
            }
            sharded += plan.DataParallel.Sum(r => r.Sum(m => m.Placement.Count(p => p == SkrullScheduler.Sharded)));
            microBatches += plan.DataParallel.Sum(r => r.Length);
            ranks += dp;
        }
        // Not vacuous: some sequences are sharded and some ranks need several micro-batches.
        Assert.True(sharded > 0 && microBatches > ranks, $"{sharded} sharded, {microBatches} micro-batches");
        Assert.Throws<ArgumentException>(() => SkrullScheduler.Gds([100, 5000], 1, 2, 2000, s_cost));
    }
}
