using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Xunit;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

public sealed class PrefixTreeEvaluatorSpec
{
    [Fact]
    public void Prefix_tree_inference_equals_full_forward_passes_including_configurations_outside_the_sector()
    {
        using var model = NqsTestModels.Create(7, 3, 2, seed: 11);
        var all = model.Space.Enumerate();
        var bits = Enumerable.Range(0, all.Length / 7).Select(i => OrbitalTokens.ToBits(all.AsSpan(i * 7, 7))).ToList();
        // Wrong electron counts: psi is zero there, so log|psi| must be -inf in both.
        bits.Add(0UL);
        bits.Add(0x3FFFUL);
        var random = new Random(4);
        var shuffled = bits.OrderBy(_ => random.Next()).ToArray();

        var (treeLog, treePhase) = Evaluate(new PrefixTreeEvaluator(model, chunkSize: 37), shuffled);
        var (fullLog, fullPhase) = Evaluate(new TransformerEvaluator(model), shuffled);
        for (var i = 0; i < shuffled.Length; i++)
        {
            if (double.IsNegativeInfinity(fullLog[i]))
            {
                Assert.True(double.IsNegativeInfinity(treeLog[i]), $"configuration {shuffled[i]:X}: {treeLog[i]}");
                continue;
            }
            Assert.Equal(fullLog[i], treeLog[i], 1e-12);
            Assert.Equal(fullPhase[i], treePhase[i], 1e-12);
        }
        Assert.Equal(2, treeLog.Count(double.IsNegativeInfinity));
    }

    [Fact]
    public void Values_do_not_depend_on_chunks_or_on_which_other_configurations_are_evaluated_and_equal_the_samplers()
    {
        using var model = NqsTestModels.Create(8, 3, 3, seed: 2);
        var samples = new AutoregressiveSampler(model, new SamplerOptions { Samples = 1_000_000, Seed = 9 }).Sample();
        var bits = Enumerable.Range(0, samples.Unique).Select(samples.Bits).ToArray();
        var (whole, phases) = Evaluate(new PrefixTreeEvaluator(model), bits);
        // The sampler sums the same steps' log-probabilities: the same bits.
        Assert.Equal(samples.LogAmplitudes, whole);
        Assert.Equal(samples.Phases, phases);

        var (chunked, _) = Evaluate(new PrefixTreeEvaluator(model, chunkSize: 5), bits);
        Assert.Equal(whole, chunked);
        var odd = bits.Where((_, i) => i % 2 == 1).ToArray();
        var (part, _) = Evaluate(new PrefixTreeEvaluator(model), odd);
        Assert.Equal(whole.Where((_, i) => i % 2 == 1).ToArray(), part);
    }

    [Fact]
    public void The_skipped_last_step_would_give_the_allowed_token_log_probability_exactly_zero()
    {
        // The evaluator and the sampler take no step for the last orbital and add 0 for the one token the electron
        // counts allow there; the step itself gives exactly that, so skipping it changes no bit.
        using var model = NqsTestModels.Create(6, 3, 2, seed: 5, new NqsModelOptions { Layers = 1, DModel = 8, Heads = 2, InitStd = 0.5 });
        var all = model.Space.Enumerate();
        var rows = all.Length / 6;
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var state = model.Begin(rows);
        double[] last = [];
        for (var position = 0; position < 6; position++)
        {
            long[]? tokens = position == 0 ? null : Enumerable.Range(0, rows).Select(r => (long)all[r * 6 + position - 1]).ToArray();
            using var step = model.Step(state, tokens);
            last = step.data<double>().ToArray();
        }
        for (var r = 0; r < rows; r++)
        {
            var row = last.AsSpan(r * OrbitalTokens.Count, OrbitalTokens.Count).ToArray();
            Assert.Equal(0.0, row[all[r * 6 + 5]]);
            Assert.Equal(3, row.Count(double.IsNegativeInfinity));
        }
    }

    private static (double[] Log, double[] Phase) Evaluate(IWavefunctionEvaluator evaluator, ulong[] bits)
    {
        var log = new double[bits.Length];
        var phase = new double[bits.Length];
        evaluator.Evaluate(bits, log, phase);
        return (log, phase);
    }
}
