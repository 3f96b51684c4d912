using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Sft;

// Alone: one test measures the process's native heap (mallinfo2), which tests running beside it would move.
[Collection(MemoryMeasurementCollection.Name)]
public sealed class ActivationCheckpointSpec
{
    private static readonly SftModelConfig s_model = new(Vocabulary: 31, DModel: 16, Heads: 2, Layers: 3, FeedForward: 32, Context: 256);

    public static TheoryData<ScalarType, string> Plans => new()
    {
        { ScalarType.Float64, "111" },
        { ScalarType.Float64, "101" },
        { ScalarType.Float64, "010" },
        { ScalarType.Float32, "111" },
        { ScalarType.Float32, "011" },
        { ScalarType.Float32, "100" },
    };

    private static int[] Sequence(int length, int salt)
    {
        var key = CounterRandom.Key(salt, 9);
        return Enumerable.Range(0, length).Select(i => CounterRandom.Below(key, (ulong)i, s_model.Vocabulary)).ToArray();
    }

    private static bool[] Plan(string plan) => plan.Select(c => c == '1').ToArray();

    [Theory]
    [MemberData(nameof(Plans))]
    public void Checkpointed_blocks_give_the_gradients_of_the_uncut_graph_bitwise(ScalarType dtype, string plan)
    {
        TorchRuntime.EnsureLoaded(1);
        // Two padded rows and a packed one: the mask, padding and several sequences per row all take part.
        var batch = new[] { Sequence(29, 1), Sequence(17, 2), Sequence(6, 3), Sequence(9, 4) };
        var rows = SftPlanner.Plan(SftSchedule.Padded, batch, 32, 2);

        var plain = Gradients(dtype, model => rows.Sum(item => ChunkFlowRunner.Run(model, item, 1).LossSum));
        var checkpointed = Gradients(dtype, model => rows.Sum(item =>
        {
            using var scope = torch.NewDisposeScope();
            using var input = Input(item.Rows);
            using var checkpoints = new LayerCheckpoints(Plan(plan));
            var f = model.Forward(input.Tokens, input.Positions, input.Sequences, null, checkpoints);
            using var loss = SftTransformer.LossSum(f.Logits, input.Labels);
            checkpoints.Backward(loss);
            return loss.to_type(ScalarType.Float64).item<double>();
        }));

        Assert.Equal(plain.Loss, checkpointed.Loss);
        AssertBitwise(plain.Gradient, checkpointed.Gradient);
        Assert.True(plain.Gradient.Max(Math.Abs) > 1e-3, "the gradients are not vacuous");
    }

    [Theory]
    [InlineData(SftCheckpointing.All)]
    [InlineData(SftCheckpointing.None)]
    public void The_runner_under_a_checkpointing_policy_gives_the_plain_gradients_bitwise(SftCheckpointing mode)
    {
        TorchRuntime.EnsureLoaded(1);
        var batch = new[] { Sequence(40, 11), Sequence(5, 12), Sequence(12, 13), Sequence(7, 14), Sequence(3, 15) };
        var items = SftPlanner.Plan(SftSchedule.ChunkFlow, batch, 16, 2);
        var plain = Gradients(ScalarType.Float32, model => items.Sum(item => ChunkFlowRunner.Run(model, item, 1).LossSum));
        var policy = new SftCheckpointPolicy(mode, s_model.Layers, budgetBytes: 1L << 40);
        var checkpointed = Gradients(ScalarType.Float32, model => items.Sum(item => ChunkFlowRunner.Run(model, item, 1, null, policy).LossSum));

        AssertBitwise(plain.Gradient, checkpointed.Gradient);
        var batches = items.Count(i => !i.Dependent);
        Assert.Equal(batches, policy.Passes);
        Assert.Equal(mode == SftCheckpointing.All ? batches * s_model.Layers : 0, policy.CheckpointedLayers);
    }

    [Fact]
    public void Checkpointed_blocks_keep_no_activations_after_the_forward_pass()
    {
        TorchRuntime.EnsureLoaded(1);
        NativeHeap.ReturnFreedBlocks();
        var config = s_model with { DModel = 64, Heads = 4, FeedForward = 256, Context = 4096 };
        using var scope = torch.NewDisposeScope();
        using var model = new SftTransformer(config, seed: 3);
        using var input = Input([SftChunk.Slice(Sequence(1024, 7), 0, 0, 1024)]);
        long Held(bool[] plan)
        {
            using var inner = torch.NewDisposeScope();
            using var checkpoints = new LayerCheckpoints(plan) { Measure = true };
            var before = NativeHeap.LiveBytes();
            var f = model.Forward(input.Tokens, input.Positions, input.Sequences, null, checkpoints);
            var held = NativeHeap.LiveBytes() - before;
            using var loss = SftTransformer.LossSum(f.Logits, input.Labels);
            checkpoints.Backward(loss);
            if (plan.All(c => c))
            {
                // Measured in the recomputation: each block's activations, the same for equal blocks.
                Assert.All(checkpoints.LayerBytes, b => Assert.True(b > 1024L * 64 * 4 * 4, $"layer bytes {b}"));
            }
            return held;
        }
        var none = Held([false, false, false]);
        var all = Held([true, true, true]);
        Assert.True(NativeHeap.LiveBytes() > 0, "mallinfo2 is available");
        // Each block keeps about 16 floats per token per width: 4 MiB at 1024 tokens of width 64.
        Assert.True(none - all > 3L * 1024 * 64 * 4 * 8, $"forward held {none} bytes with no block checkpointed, {all} with all");
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void Dropout_draws_the_same_mask_in_the_recomputation(ScalarType dtype)
    {
        TorchRuntime.EnsureLoaded(1);
        var plain = DropoutGradients(dtype, null);
        var restored = DropoutGradients(dtype, new LayerCheckpoints([true, false, true]));
        var notRestored = DropoutGradients(dtype, new LayerCheckpoints([true, false, true], restoreGenerator: false));

        AssertBitwise(plain, restored);
        // Without the generator's state the recomputed layers drop other units: the test can tell.
        Assert.True(plain.Zip(notRestored, (a, b) => Math.Abs(a - b)).Max() > 1e-3);
    }

    // Three layers x -> dropout(tanh(linear(x)), 0.3) with the default generator seeded; the gradient of the sum of
    // squares of the output with respect to the weights and the input.
    private static double[] DropoutGradients(ScalarType dtype, LayerCheckpoints? checkpoints)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(11);
        var layers = Enumerable.Range(0, 3).Select(_ => nn.Linear(8, 8, dtype: dtype)).ToArray();
        using (torch.no_grad())
        {
            foreach (var p in layers.SelectMany(l => l.parameters()))
            {
                using var value = torch.randn(p.shape, dtype: dtype, generator: generator);
                p.copy_(value);
            }
        }
        using var x0 = torch.randn([5, 8], dtype: dtype, generator: generator).requires_grad_(true);
        torch.manual_seed(42);
        var x = x0.alias();
        for (var l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            CheckpointedLayer run = input =>
            {
                using var a = layer.forward(input);
                using var t = a.tanh();
                return (nn.functional.dropout(t, 0.3, training: true), []);
            };
            using var input = x;
            x = checkpoints is null ? run(input).Output : checkpoints.Run(l, input, run).Output;
        }
        using var output = x;
        using var squares = output.square();
        using var loss = squares.sum();
        // Draws between the forward and the backward pass move the generator on, as an optimiser's would.
        using var unrelated = torch.rand(100);
        if (checkpoints is null)
        {
            loss.backward();
        }
        else
        {
            checkpoints.Backward(loss);
            checkpoints.Dispose();
        }
        var gradient = new List<double>();
        foreach (var t in layers.SelectMany(l => l.parameters()).Append(x0))
        {
            using var g = t.grad!;
            using var d = g.to_type(ScalarType.Float64);
            gradient.AddRange(d.data<double>().ToArray());
        }
        foreach (var l in layers)
        {
            l.Dispose();
        }
        return [.. gradient];
    }

    private static (double Loss, double[] Gradient) Gradients(ScalarType dtype, Func<SftTransformer, double> run)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new SftTransformer(s_model, seed: 5, dtype);
        var loss = run(model);
        var gradient = new List<double>();
        foreach (var (_, p) in model.named_parameters())
        {
            using var g = p.grad!;
            using var d = g.to_type(ScalarType.Float64);
            gradient.AddRange(d.data<double>().ToArray());
        }
        return (loss, [.. gradient]);
    }

    private static RowTensors Input(SftChunk[] rows) => new(rows);

    private static void AssertBitwise(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"gradient {i}: {expected[i]:R} without checkpointing, {actual[i]:R} with (not bitwise equal)");
            }
        }
    }

    private sealed class RowTensors : IDisposable
    {
        public RowTensors(SftChunk[] rows)
        {
            var length = rows[0].Length;
            Tensor Make(Func<SftChunk, int[]> field) =>
                torch.tensor(rows.SelectMany(r => field(r).Select(v => (long)v)).ToArray(), [rows.Length, length]);
            Tokens = Make(r => r.Tokens);
            Labels = Make(r => r.Labels);
            Positions = Make(r => r.Positions);
            Sequences = Make(r => r.Sequences);
        }

        public Tensor Tokens { get; }

        public Tensor Labels { get; }

        public Tensor Positions { get; }

        public Tensor Sequences { get; }

        public void Dispose()
        {
            Tokens.Dispose();
            Labels.Dispose();
            Positions.Dispose();
            Sequences.Dispose();
        }
    }
}
