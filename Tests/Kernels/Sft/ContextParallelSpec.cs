using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Sft;

public sealed class ContextParallelSpec
{
    // The model of ChunkFlowSpec: float64, 2 blocks, 2 heads of width 8.
    private static readonly SftModelConfig s_model = new(Vocabulary: 31, DModel: 16, Heads: 2, Layers: 2, FeedForward: 32, Context: 256);

    private static int[] Sequence(int length, int salt)
    {
        var key = CounterRandom.Key(salt, 9);
        return Enumerable.Range(0, length).Select(i => CounterRandom.Below(key, (ulong)i, s_model.Vocabulary)).ToArray();
    }

    [Fact]
    public void Shards_are_contiguous_cover_the_sequence_and_differ_by_at_most_one_token()
    {
        for (var length = 1; length < 60; length++)
        {
            for (var ranks = 1; ranks <= Math.Min(length, 7); ranks++)
            {
                var split = ContextParallelShard.Split(length, ranks);
                Assert.Equal(0, split[0].Start);
                for (var r = 1; r < ranks; r++)
                {
                    Assert.Equal(split[r - 1].Start + split[r - 1].Count, split[r].Start);
                }
                Assert.Equal(length, split[^1].Start + split[^1].Count);
                Assert.True(split.Max(s => s.Count) - split.Min(s => s.Count) <= 1);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextParallelShard.Split(2, 3));
    }

    [Theory]
    [InlineData(2, 37)]
    [InlineData(3, 38)]
    [InlineData(3, 7)]
    public void Context_parallel_gradients_equal_single_actor_ones_in_float64(int ranks, int length)
    {
        TorchRuntime.EnsureLoaded(1);
        var sequence = Sequence(length, 41);

        var (wholeLoss, whole) = Whole(sequence);
        var (shardedLoss, sharded) = Sharded(sequence, ranks, dropSentGradients: false);

        Assert.True(Math.Abs(wholeLoss - shardedLoss) < 1e-10, $"loss {wholeLoss} whole vs {shardedLoss} over {ranks} ranks");
        AssertClose(whole, sharded, 1e-10);
        // Not vacuous: the gradients are of order 1e-2 ...
        Assert.True(whole.Max(Math.Abs) > 1e-3);
        // ... and the gradients of the keys and values sent back to their owners carry part of them.
        var (_, withoutSent) = Sharded(sequence, ranks, dropSentGradients: true);
        Assert.True(whole.Zip(withoutSent, (x, y) => Math.Abs(x - y)).Max() > 1e-5);
    }

    [Fact]
    public void Blocks_out_of_rank_order_are_refused()
    {
        TorchRuntime.EnsureLoaded(1);
        using var scope = torch.NewDisposeScope();
        using var m0 = new SftTransformer(s_model, seed: 5, ScalarType.Float64);
        using var m1 = new SftTransformer(s_model, seed: 5, ScalarType.Float64);
        var sequence = Sequence(9, 3);
        using var a = new ContextParallelShard(m0, sequence, 0, 3, 0);
        using var c = new ContextParallelShard(m1, sequence, 0, 3, 2);
        var block = a.Project(0);
        c.Project(0);
        Assert.Throws<ArgumentException>(() => c.Attend(0, [block]));
        Assert.Throws<ArgumentException>(() => c.Attend(0, [block, block]));
    }

    private static (double Loss, double[] Gradient) Whole(int[] sequence)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new SftTransformer(s_model, seed: 5, ScalarType.Float64);
        var loss = ChunkFlowRunner.Run(model, new SftWorkItem([SftChunk.Slice(sequence, 0, 0, sequence.Length)], false), 1).LossSum;
        return (loss, Gradient(model));
    }

    // Every rank on a model of its own (as on its own trainer actor); the parameter gradients summed in rank order.
    private static (double Loss, double[] Gradient) Sharded(int[] sequence, int ranks, bool dropSentGradients)
    {
        using var scope = torch.NewDisposeScope();
        var models = Enumerable.Range(0, ranks).Select(_ => new SftTransformer(s_model, seed: 5, ScalarType.Float64)).ToArray();
        var shards = Enumerable.Range(0, ranks).Select(r => new ContextParallelShard(models[r], sequence, 0, ranks, r)).ToArray();
        double loss;
        if (!dropSentGradients)
        {
            loss = ContextParallel.Run(shards, s_model.Layers);
        }
        else
        {
            for (var l = 0; l < s_model.Layers; l++)
            {
                var blocks = shards.Select(s => s.Project(l)).ToArray();
                foreach (var s in shards)
                {
                    s.Attend(l, blocks[..s.Rank]);
                }
            }
            loss = shards.Sum(s => s.Loss());
            foreach (var s in shards)
            {
                s.BackwardHead();
            }
            for (var l = s_model.Layers - 1; l >= 0; l--)
            {
                foreach (var s in shards)
                {
                    s.BackwardAttend(l);
                    s.BackwardProject(l, []);
                }
            }
        }
        var sum = Gradient(models[0]);
        foreach (var m in models.Skip(1))
        {
            var g = Gradient(m);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += g[i];
            }
        }
        foreach (var s in shards)
        {
            s.Dispose();
        }
        foreach (var m in models)
        {
            m.Dispose();
        }
        return (loss, sum);
    }

    private static double[] Gradient(SftTransformer model)
    {
        var gradient = new List<double>();
        foreach (var (_, p) in model.named_parameters())
        {
            using var g = p.grad;
            gradient.AddRange(g is null ? new double[p.numel()] : g.data<double>().ToArray());
        }
        return [.. gradient];
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(expected[i] - actual[i]);
            if (d > worst)
            {
                worst = d;
                at = i;
            }
        }
        Assert.True(worst < tolerance, $"gradient {at}: {expected[Math.Max(at, 0)]} vs {actual[Math.Max(at, 0)]} (difference {worst:E2})");
    }
}
