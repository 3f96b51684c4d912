using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Sft;

public sealed class ChunkFlowSpec
{
    // Small enough for float64 in well under a second per pass; 2 heads of width 8 (rotary pairs of 4).
    private static readonly SftModelConfig s_model = new(Vocabulary: 31, DModel: 16, Heads: 2, Layers: 2, FeedForward: 32, Context: 256);

    private static int[] Sequence(int length, int salt)
    {
        var key = CounterRandom.Key(salt, 9);
        return Enumerable.Range(0, length).Select(i => CounterRandom.Below(key, (ulong)i, s_model.Vocabulary)).ToArray();
    }

    [Fact]
    public void Every_token_is_in_exactly_one_chunk_and_no_chunk_is_over_the_size()
    {
        for (var trial = 0; trial < 200; trial++)
        {
            var key = CounterRandom.Key(trial, 3);
            var chunkSize = 1 + CounterRandom.Below(key, 0, 64);
            var count = 1 + CounterRandom.Below(key, 1, 20);
            var batch = Enumerable.Range(0, count)
                .Select(i => Sequence(1 + CounterRandom.Below(key, (ulong)(2 + i), 200), trial * 100 + i)).ToArray();

            var items = SftPlanner.ChunkFlow(batch, chunkSize);

            var seen = new HashSet<(int, int)>();
            foreach (var item in items)
            {
                foreach (var chunk in item.Rows)
                {
                    Assert.InRange(chunk.Length, 1, chunkSize);
                    for (var t = 0; t < chunk.Length; t++)
                    {
                        var (s, p) = (chunk.Sequences[t], chunk.Positions[t]);
                        Assert.True(seen.Add((s, p)), $"trial {trial}: token {p} of sequence {s} twice");
                        Assert.Equal(batch[s][p], chunk.Tokens[t]);
                        Assert.Equal(p + 1 < batch[s].Length ? batch[s][p + 1] : SftChunk.NoTarget, chunk.Labels[t]);
                    }
                }
                if (item.Dependent)
                {
                    // One long sequence's chunks, in order.
                    Assert.Single(item.Rows.SelectMany(r => r.Sequences).Distinct());
                    var positions = item.Rows.SelectMany(r => r.Positions).ToArray();
                    Assert.Equal(Enumerable.Range(0, positions.Length), positions);
                }
            }
            Assert.Equal(batch.Sum(s => s.Length), seen.Count);
        }
    }

    [Fact]
    public void Packed_sequences_never_attend_to_each_other()
    {
        TorchRuntime.EnsureLoaded(1);
        using var scope = torch.NewDisposeScope();
        using var model = new SftTransformer(s_model, seed: 5, ScalarType.Float64);
        var a = Sequence(11, 1);
        var b = Sequence(9, 2);
        var otherA = Sequence(11, 3);

        var alone = Logits(model, SftChunk.Slice(b, 1, 0, b.Length));
        var packed = Logits(model, SftChunk.Concat([SftChunk.Slice(a, 0, 0, a.Length), SftChunk.Slice(b, 1, 0, b.Length)]));
        var packedOther = Logits(model, SftChunk.Concat([SftChunk.Slice(otherA, 0, 0, otherA.Length), SftChunk.Slice(b, 1, 0, b.Length)]));

        var rows = b.Length * s_model.Vocabulary;
        var tail = packed[^rows..];
        Assert.Equal(tail, packedOther[^rows..]);
        for (var i = 0; i < rows; i++)
        {
            Assert.True(Math.Abs(tail[i] - alone[i]) < 1e-12, $"logit {i}: packed {tail[i]}, alone {alone[i]}");
        }
        // And the mask is not vacuous: the first sequence's logits do change with its own tokens.
        Assert.NotEqual(packed[..rows], packedOther[..rows]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Chunked_gradients_equal_whole_sequence_gradients_in_float64(int keep)
    {
        TorchRuntime.EnsureLoaded(1);
        var batch = new[] { Sequence(37, 11), Sequence(5, 12), Sequence(3, 13), Sequence(6, 14) };
        const int chunkSize = 8; // the long sequence: 5 chunks (8 8 8 8 5)

        var (wholeLoss, whole) = Gradients(model =>
        {
            var loss = 0.0;
            for (var s = 0; s < batch.Length; s++)
            {
                loss += ChunkFlowRunner.Run(model, new SftWorkItem([SftChunk.Slice(batch[s], s, 0, batch[s].Length)], false), 1).LossSum;
            }
            return (loss, 0);
        });
        var (chunkedLoss, chunked, recomputed) = GradientsWithCount(model =>
        {
            var loss = 0.0;
            var recomputed = 0;
            foreach (var item in SftPlanner.ChunkFlow(batch, chunkSize))
            {
                var (l, r) = ChunkFlowRunner.Run(model, item, keep);
                loss += l;
                recomputed += r;
            }
            return (loss, recomputed);
        });

        Assert.Equal(5 - keep, recomputed);
        Assert.True(Math.Abs(wholeLoss - chunkedLoss) < 1e-10, $"loss {wholeLoss} whole vs {chunkedLoss} chunked");
        AssertClose(whole, chunked, 1e-10);
        // Not vacuous: the gradients are of order 1e-2, and a schedule that cut the keys' gradient would differ.
        Assert.True(whole.Max(Math.Abs) > 1e-3);
    }

    [Theory]
    [InlineData(SftSchedule.Padded)]
    [InlineData(SftSchedule.Packed)]
    public void The_baselines_compute_the_same_gradients(SftSchedule schedule)
    {
        TorchRuntime.EnsureLoaded(1);
        var batch = new[] { Sequence(20, 21), Sequence(4, 22), Sequence(13, 23), Sequence(7, 24), Sequence(2, 25) };
        var (reference, expected) = Gradients(model => Run(model, SftPlanner.Plan(SftSchedule.ChunkFlow, batch, 6, 2), 2));
        var (loss, actual) = Gradients(model => Run(model, SftPlanner.Plan(schedule, batch, 6, 2), 2));
        Assert.True(Math.Abs(reference - loss) < 1e-10);
        AssertClose(expected, actual, 1e-10);
    }

    [Fact]
    public void A_dependent_chunk_without_its_past_gives_other_gradients()
    {
        // The test above would pass for a runner that ignored the state store if every chunk were independent:
        // running the chunks of a long sequence as separate sequences must change the gradient.
        TorchRuntime.EnsureLoaded(1);
        var sequence = Sequence(24, 31);
        var (_, whole) = Gradients(model => Run(model, SftPlanner.ChunkFlow([sequence], 8), 1));
        var (_, cut) = Gradients(model => Run(model,
            [.. Enumerable.Range(0, 3).Select(c => new SftWorkItem([SftChunk.Slice(sequence[(8 * c)..(8 * c + 8)], 0, 0, 8)], false))], 1));
        Assert.True(whole.Zip(cut, (x, y) => Math.Abs(x - y)).Max() > 1e-4);
    }

    private static (double, int) Run(SftTransformer model, IReadOnlyList<SftWorkItem> items, int keep)
    {
        var loss = 0.0;
        foreach (var item in items)
        {
            loss += ChunkFlowRunner.Run(model, item, keep).LossSum;
        }
        return (loss, 0);
    }

    private static double[] Logits(SftTransformer model, SftChunk chunk)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var tokens = torch.tensor(chunk.Tokens.Select(t => (long)t).ToArray(), [1, chunk.Length]);
        using var positions = torch.tensor(chunk.Positions.Select(t => (long)t).ToArray(), [1, chunk.Length]);
        using var sequences = torch.tensor(chunk.Sequences.Select(t => (long)t).ToArray(), [1, chunk.Length]);
        var f = model.Forward(tokens, positions, sequences, null);
        return f.Logits.data<double>().ToArray();
    }

    private static (double Loss, double[] Gradient) Gradients(Func<SftTransformer, (double, int)> run)
    {
        var (loss, gradient, _) = GradientsWithCount(run);
        return (loss, gradient);
    }

    private static (double Loss, double[] Gradient, int Recomputed) GradientsWithCount(Func<SftTransformer, (double, int)> run)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new SftTransformer(s_model, seed: 5, ScalarType.Float64);
        var (loss, recomputed) = run(model);
        var gradient = new List<double>();
        foreach (var (_, p) in model.named_parameters())
        {
            using var g = p.grad;
            Assert.NotNull(g);
            gradient.AddRange(g!.data<double>().ToArray());
        }
        return (loss, [.. gradient], recomputed);
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
