using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Xunit;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

public sealed class StochasticReconfigurationSpec
{
    private const long Scale = 1_000_000_000_000_000;

    private static TransformerWavefunction Model(long seed)
    {
        var model = NqsTestModels.Create(6, 2, 2, seed, new NqsModelOptions { Layers = 1, DModel = 8, Heads = 2, PhaseHidden = 8, InitStd = 0.3 });
        VmcOptimizer.InitializePhaseHead(model, 1.0, seed);
        return model;
    }

    /// <summary>Every LiH configuration with a count proportional to |psi|^2 (1e18 logical samples) and its exact local
    /// energy, and the exact energy.</summary>
    private static (SampleResult Samples, LocalEnergyResult Local, double EnergyHartree) Exact(TransformerWavefunction model, LocalEnergy local)
    {
        var (samples, result) = ExactSpace.Evaluate(model, local, p => Math.Max(1L, (long)Math.Round(p * Scale)));
        var energy = EnergyStatistics.Compute(samples, [result]).EnergyHartree;
        return (samples, result, energy);
    }

    [Fact]
    public void The_sample_space_solution_equals_the_parameter_space_solve_of_S_and_the_autograd_gradient()
    {
        // (S + lambda I) delta = F with S built from per-configuration backward passes and F half the energy gradient of
        // VmcGradient (autograd on the surrogate loss): an independent route to the minSR direction.
        const double shift = 1e-3;
        using var model = Model(seed: 21);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var (samples, result, energy) = Exact(model, local);
        var (direction, norm2, _) = StochasticReconfiguration.Direction(model, samples, result, shift, maxSamples: 1 << 20);

        var n = (double)samples.Samples;
        var weights = samples.Counts.Select(c => c / n).ToArray();
        var gradient = VmcGradient.Compute(model, samples, result, energy);
        var k = model.Space.Orbitals;
        var tokens = samples.Tokens.Select(t => (long)t).ToArray();
        var expected = new double[direction.Length];
        using (var scope = NewDisposeScope())
        {
            var rows = new List<double[]>();
            for (var x = 0; x < samples.Unique; x++)
            {
                model.zero_grad();
                var (logAmplitude, phase) = model.forward(tensor(tokens.AsSpan(x * k, k).ToArray(), [1, k]));
                // d ln psi = d log|psi| + i d phi: the parameters of |psi| and of phi are disjoint, so one backward pass of
                // their sum gives both blocks of the real log-derivative vector.
                logAmplitude.add(phase).sum().backward();
                rows.Add(FlatParameters.Gradient(model));
            }
            model.zero_grad();
            var o = tensor(rows.SelectMany(r => r).ToArray(), [samples.Unique, direction.Length]);
            var w = tensor(weights);
            var centred = o.sub(w.unsqueeze(0).matmul(o)).mul(w.sqrt().unsqueeze(1));
            // S_kl = Re <O_k^* O_l>: between a real amplitude derivative and an imaginary phase one it vanishes.
            var phaseColumns = tensor(model.named_parameters()
                .SelectMany(p => Enumerable.Repeat(TransformerWavefunction.IsPhaseParameter(p.name) ? 1.0 : 0.0, (int)p.parameter.numel()))
                .ToArray());
            var sameBlock = phaseColumns.unsqueeze(1).eq(phaseColumns.unsqueeze(0)).to_type(ScalarType.Float64);
            var s = centred.t().matmul(centred).mul(sameBlock);
            s.diagonal().add_(shift);
            var f = tensor(gradient).mul(0.5);
            var delta = linalg.solve(s, f.unsqueeze(1)).squeeze(1);
            delta.data<double>().CopyTo(expected);
        }
        var scale = expected.Max(Math.Abs);
        Assert.True(scale > 1e-3, $"direction scale {scale}");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(direction[i] - expected[i]) < 1e-7 * scale, $"parameter {i}: {direction[i]} vs {expected[i]}");
        }
        Assert.True(norm2 > 0);
    }

    [Fact]
    public void A_small_step_lowers_the_exact_energy_by_its_first_order_prediction()
    {
        using var model = Model(seed: 22);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var (samples, result, energy) = Exact(model, local);
        var (direction, _, _) = StochasticReconfiguration.Direction(model, samples, result, 1e-5, maxSamples: 1 << 20);
        var gradient = VmcGradient.Compute(model, samples, result, energy);
        var predicted = 0.0;
        for (var i = 0; i < gradient.Length; i++)
        {
            predicted -= gradient[i] * direction[i];
        }
        const double eta = 1e-5;
        var parameters = FlatParameters.Get(model);
        FlatParameters.Set(model, parameters.Select((p, i) => p - eta * direction[i]).ToArray());
        var (_, _, moved) = Exact(model, local);
        Assert.True(predicted < 0, $"predicted change {predicted}");
        Assert.True(Math.Abs((moved - energy) / (eta * predicted) - 1) < 0.05, $"energy change {moved - energy:E3}, predicted {eta * predicted:E3}");
    }

    [Fact]
    public void A_step_changes_no_sampled_log_amplitude_by_much_more_than_the_limit()
    {
        using var model = Model(seed: 23);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var (samples, result, _) = Exact(model, local);
        var options = new VmcOptions { MaxLogChange = 0.02, ReconfigurationLearningRate = 10.0, MaxStep = 10.0, DiagonalShift = 1e-5 };
        var parameters = FlatParameters.Get(model);
        var rate = StochasticReconfiguration.Step(model, samples, result, options, t: 500, parameters);
        Assert.True(rate < options.ReconfigurationLearningRate, $"learning rate {rate}: the limit did not bind");
        FlatParameters.Set(model, parameters);
        var (after, _, _) = Exact(model, local);
        var weights = samples.Counts.Select(c => c / (double)samples.Samples).ToArray();
        var amplitude = after.LogAmplitudes.Select((l, i) => l - samples.LogAmplitudes[i]).ToArray();
        var phase = after.Phases.Select((p, i) => p - samples.Phases[i]).ToArray();
        var meanAmplitude = amplitude.Select((d, i) => weights[i] * d).Sum();
        var meanPhase = phase.Select((d, i) => weights[i] * d).Sum();
        var largest = amplitude.Select((d, i) => Math.Sqrt(Math.Pow(d - meanAmplitude, 2) + Math.Pow(phase[i] - meanPhase, 2))).Max();
        // The limit applies to the first-order prediction; the realised change differs at second order.
        Assert.InRange(largest, 0.5 * options.MaxLogChange, 1.5 * options.MaxLogChange);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(256, 40)]
    [InlineData(700, 33)]
    public void The_blocked_kernel_equals_the_full_product_and_is_exactly_symmetric(int rows, int columns)
    {
        global::Dataflow.Kernels.Compute.TorchRuntime.EnsureLoaded(1);
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator(11);
        var a = randn([rows, columns], ScalarType.Float64, generator: generator);
        var blocked = StochasticReconfiguration.SymmetricProduct(a);
        var full = a.matmul(a.t());
        Assert.Equal(0.0, blocked.sub(blocked.t()).abs().max().item<double>());
        // Each entry is the same dot product, summed in an order that may differ with the block's shape.
        Assert.InRange(blocked.sub(full).abs().max().item<double>(), 0.0, 1e-12 * columns);
    }

    [Fact]
    public void With_few_unique_samples_every_one_enters_S_with_its_count_weight()
    {
        var (rows, weights) = StochasticReconfiguration.Rows([5, 1, 4], 3, key: 7);
        Assert.Equal([0, 1, 2], rows);
        Assert.Equal([0.5, 0.1, 0.4], weights);
    }

    [Fact]
    public void With_many_the_most_frequent_half_is_kept_and_the_tail_is_drawn_without_bias()
    {
        // 10 frequent samples and a tail of 200 with counts 1..200: 20 rows, 10 kept and 10 systematic draws.
        var counts = Enumerable.Range(0, 210).Select(i => i < 10 ? 100_000L + i : i - 9L).ToArray();
        var total = (double)counts.Sum();
        var mean = new double[counts.Length];
        const int keys = 4000;
        for (var key = 0; key < keys; key++)
        {
            var (rows, weights) = StochasticReconfiguration.Rows(counts, 20, (ulong)key);
            Assert.True(rows.Length <= 20);
            Assert.Equal(rows.Order().ToArray(), rows);
            Assert.Equal(1.0, weights.Sum(), 12);
            for (var i = 0; i < 10; i++)
            {
                var at = Array.IndexOf(rows, i);
                Assert.True(at >= 0, $"frequent sample {i} left out");
                Assert.Equal(counts[i] / total, weights[at], 15);
            }
            for (var i = 0; i < rows.Length; i++)
            {
                mean[rows[i]] += weights[i] / keys;
            }
        }
        // The same key draws the same rows.
        Assert.Equal(StochasticReconfiguration.Rows(counts, 20, 99).Rows, StochasticReconfiguration.Rows(counts, 20, 99).Rows);
        // Over keys every tail sample's weight averages to its own count / N: the tail's total exactly, each sample within
        // 4.5 standard deviations of the binomial number of keys that draw it (a draw hits sample i with probability
        // 10 c_i / tail count).
        var tailCount = Enumerable.Range(10, 200).Sum(i => counts[i]);
        Assert.Equal(tailCount / total, Enumerable.Range(10, 200).Sum(i => mean[i]), 12);
        foreach (var i in Enumerable.Range(10, 200))
        {
            var hit = 10.0 * counts[i] / tailCount;
            var deviation = Math.Sqrt((1 - hit) / (keys * hit));
            Assert.True(Math.Abs(mean[i] / (counts[i] / total) - 1) < 4.5 * deviation,
                $"sample {i}: mean weight {mean[i]:E4}, count weight {counts[i] / total:E4}");
        }
    }

    [Fact]
    public void The_decay_cap_equals_the_plain_solve_with_local_energies_cut_at_the_mean_plus_the_cap()
    {
        // The minSR direction does not depend on the constant the residuals are measured from (sqrt(w) lies in the null
        // space of Obar^T), so capping E_loc - E at c is the plain solve with E_loc replaced by min(E_loc, E + c).
        const double cap = 0.5;
        using var model = Model(seed: 24);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var (samples, result, energy) = Exact(model, local);
        var cut = result with { RealHartree = result.RealHartree.Select(e => Math.Min(e, energy + cap)).ToArray() };
        Assert.True(result.RealHartree.Count(e => e > energy + cap) > 10, "the cap binds on few configurations");
        var (capped, cappedNorm2, cappedChange) = StochasticReconfiguration.Direction(model, samples, result, 1e-5, 1 << 20, cap);
        var (plain, plainNorm2, plainChange) = StochasticReconfiguration.Direction(model, samples, cut, 1e-5, 1 << 20);
        var scale = plain.Max(Math.Abs);
        for (var i = 0; i < plain.Length; i++)
        {
            Assert.True(Math.Abs(capped[i] - plain[i]) < 1e-8 * scale, $"parameter {i}: {capped[i]} vs {plain[i]}");
        }
        Assert.Equal(plainNorm2, cappedNorm2, 1e-8 * plainNorm2);
        Assert.Equal(plainChange, cappedChange, 1e-8 * plainChange);
        var (uncapped, _, _) = StochasticReconfiguration.Direction(model, samples, result, 1e-5, 1 << 20);
        Assert.True(uncapped.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-3 * scale, "the cap changed nothing");
    }
}
