using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Sft;

/// <summary>Tests that read the process's resident high-water mark run alone: another test's tensors would count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurement";
}

public sealed class MimoseFitSpec
{
    [Fact]
    public void The_fit_recovers_a_quadratic_in_the_length()
    {
        // bytes = 4096 + 1000 x tokens + 3 x rows x length^2, measured at five sizes.
        var fit = new MemoryFit();
        foreach (var (rows, length) in new[] { (1, 64), (2, 128), (1, 512), (2, 1024), (1, 2048) })
        {
            fit.Add(rows, length, 4096 + 1000L * rows * length + 3L * rows * length * length);
        }
        var (a, b, c) = fit.Coefficients;
        Assert.Equal(4096, a, 1e-3);
        Assert.Equal(1000, b, 1e-6);
        Assert.Equal(3, c, 1e-9);
        Assert.Equal(4096 + 1000.0 * 4096 * 2 + 3.0 * 2 * 4096 * 4096, fit.Predict(2, 4096), 1e-3);
    }

    [Fact]
    public void A_fit_never_predicts_less_for_a_longer_input()
    {
        // Noisy linear data whose least-squares quadratic term would come out negative: the term is dropped.
        var fit = new MemoryFit();
        fit.Add(1, 100, 100_000);
        fit.Add(1, 200, 205_000);
        fit.Add(1, 400, 395_000);
        Assert.True(fit.Coefficients.PerPair >= 0 && fit.Coefficients.PerToken > 0);
        Assert.True(fit.Predict(1, 800) > fit.Predict(1, 400));
    }

    [Fact]
    public void The_greedy_plan_checkpoints_more_layers_for_longer_inputs_and_is_cached_per_rounded_size()
    {
        // Four equal layers of 1000 bytes per token; 50,000 bytes per token with every layer checkpointed.
        var planner = new MimosePlanner(4, budgetBytes: 100_000_000);
        foreach (var length in new[] { 256, 1024, 2048, 3072 })
        {
            Assert.All(planner.Plan(1, length), Assert.True); // warm-up: every layer
            planner.Observe(1, length, [true, true, true, true], [1000L * length, 1000L * length, 1000L * length, 1000L * length], 40_000L * length);
        }
        Assert.True(planner.Warm);
        // Predicted peak: 40,000 x L + 1000 x L per kept layer, against 1e8 bytes, L rounded up to 64 tokens.
        Assert.Equal([false, false, false, false], planner.Plan(1, 512));
        Assert.Equal([false, false, false, false], planner.Plan(1, 2048)); // 8.19e7 + 4 x 2.05e6
        Assert.Equal([true, false, false, false], planner.Plan(1, 2300)); // 2304: 9.22e7 + 3 x 2.30e6; ties: lowest first
        Assert.Equal([true, true, true, false], planner.Plan(1, 2400)); // 2432: 9.73e7 + 1 x 2.43e6
        var cached = planner.CachedPlans;
        Assert.Equal(planner.Plan(1, 2390), planner.Plan(1, 2432)); // one rounded size, one plan, from the cache
        Assert.Equal(cached, planner.CachedPlans);
        // Longer than every measured size: measured again with every layer checkpointed.
        Assert.All(planner.Plan(1, 4096), Assert.True);
        // 2560 x 40,000 > 1e8 even with every layer checkpointed: the least memory there is, and counted.
        Assert.All(planner.Plan(1, 2500), Assert.True);
        Assert.Equal(1, planner.InfeasibleSizes);
    }
}

[Collection(MemoryMeasurementCollection.Name)]
public sealed class MimoseSpec(ITestOutputHelper output)
{
    // Four blocks of width 32: enough activations per block (about 0.5 KiB per token) for plans to differ by length.
    private static readonly SftModelConfig s_model = new(Vocabulary: 256, DModel: 32, Heads: 2, Layers: 4, FeedForward: 128, Context: 4096);

    private static int[] Sequence(int length, int salt)
    {
        var key = CounterRandom.Key(salt, 5);
        return Enumerable.Range(0, length).Select(i => CounterRandom.Below(key, (ulong)i, s_model.Vocabulary)).ToArray();
    }

    private static SftWorkItem Row(int length, int salt) => new([SftChunk.Slice(Sequence(length, salt), 0, 0, length)], false);

    [Fact]
    public void The_budget_holds_for_every_input_length_and_a_plan_change_never_changes_the_gradients()
    {
        TorchRuntime.EnsureLoaded(1);
        NativeHeap.ReturnFreedBlocks();
        using var scope = torch.NewDisposeScope();
        using var model = new SftTransformer(s_model, seed: 2);
        const int longest = 2048;
        // The budget: halfway between the measured peak of the longest input with every block and with no block
        // recomputed, so that short inputs need no recomputation and the longest some.
        var all = MeasuredPeak(model, SftCheckpointing.All, longest);
        var none = MeasuredPeak(model, SftCheckpointing.None, longest);
        output.WriteLine($"longest {longest}: peak {all} bytes with every block recomputed, {none} with none");
        Assert.True(none > all * 1.3, $"keeping the blocks' activations costs memory: {none} vs {all}");
        var budget = (all + none) / 2;

        var policy = new SftCheckpointPolicy(SftCheckpointing.Mimose, s_model.Layers, budget);
        int[] lengths = [384, 1024, 2048, 256, 1536, 1920, 512, 2048, 320, 1792];
        var plans = new List<(int Length, int Checkpointed)>();
        for (var i = 0; i < lengths.Length; i++)
        {
            var before = policy.CheckpointedLayers;
            Run(model, Row(lengths[i], i), policy);
            plans.Add((lengths[i], (int)(policy.CheckpointedLayers - before)));
            output.WriteLine($"length {lengths[i]}: {plans[^1].Checkpointed} blocks recomputed, peak so far {policy.PeakPassBytes} of {budget}");
        }
        Assert.True(policy.Mimose!.Warm);
        Assert.Equal(0, policy.PassesOverBudget);
        Assert.True(policy.PeakPassBytes <= budget, $"peak {policy.PeakPassBytes} over the budget {budget}");
        Assert.True(policy.PlanChanges >= 2, $"plan changes {policy.PlanChanges}");
        // After the warm-up, short inputs recompute fewer blocks than the longest.
        var warm = plans.Skip(3).ToArray();
        Assert.True(warm.Where(p => p.Length <= 512).Max(p => p.Checkpointed) < warm.Where(p => p.Length >= 1920).Max(p => p.Checkpointed),
            string.Join(", ", warm.Select(p => $"{p.Length}: {p.Checkpointed}")));
        Assert.Contains(warm, p => p.Checkpointed == 0);

        // The same batch under the plans Mimose made for several sizes and under none: the same bits.
        var item = Row(1900, 99);
        var reference = Gradient(model, item, null);
        foreach (var mode in new[] { SftCheckpointing.All, SftCheckpointing.Mimose })
        {
            var g = Gradient(model, item, mode == SftCheckpointing.All ? new SftCheckpointPolicy(mode, s_model.Layers, 0) : policy);
            Assert.True(reference.AsSpan().SequenceEqual(g), $"{mode}: the gradients differ from those without checkpointing");
        }
    }

    private static long MeasuredPeak(SftTransformer model, SftCheckpointing mode, int length)
    {
        // The first pass of a size allocates libtorch's and glibc's own structures: measure the second.
        // A budget out of reach, so that the passes are measured.
        var policy = new SftCheckpointPolicy(mode, s_model.Layers, 1L << 50);
        Run(model, Row(length, 1), policy);
        var second = new SftCheckpointPolicy(mode, s_model.Layers, 1L << 50);
        Run(model, Row(length, 2), second);
        return second.PeakPassBytes;
    }

    private static void Run(SftTransformer model, SftWorkItem item, SftCheckpointPolicy policy)
    {
        model.zero_grad();
        ChunkFlowRunner.Run(model, item, 1, null, policy);
    }

    private static float[] Gradient(SftTransformer model, SftWorkItem item, SftCheckpointPolicy? policy)
    {
        model.zero_grad();
        ChunkFlowRunner.Run(model, item, 1, null, policy);
        return ParameterVector.Gradients(model);
    }
}
