using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

public sealed class VmcGradientSpec
{
    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1.0, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }

    private static TransformerWavefunction Model(int orbitals, int alpha, int beta, long seed)
    {
        var model = NqsTestModels.Create(orbitals, alpha, beta, seed, new NqsModelOptions { DModel = 16, PhaseHidden = 16, InitStd = 0.3 });
        VmcOptimizer.InitializePhaseHead(model, 1.0, seed);
        return model;
    }

    /// <summary>Every configuration with weight |psi|^2 and its exact local energy; E = sum |psi|^2 Re E_loc.</summary>
    private static (SampleResult All, double[] Weights, LocalEnergyResult Local, double EnergyHartree) Exact(
        TransformerWavefunction model, LocalEnergy local)
    {
        var (samples, result) = ExactSpace.Evaluate(model, local, _ => 1);
        var logs = samples.LogAmplitudes;
        var weights = logs.Select(l => Math.Exp(2 * l)).ToArray();
        var energy = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            energy += weights[i] * result.RealHartree[i];
        }
        return (samples, weights, result, energy);
    }

    [Fact]
    public void Entropy_shifted_gradient_matches_finite_differences_of_the_annealed_objective_on_lih()
    {
        const double temperature = 0.3;
        using var model = Model(6, 2, 2, seed: 13);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        double Objective()
        {
            var (_, w, _, e) = Exact(model, local);
            return e + temperature * w.Sum(p => p * Math.Log(p));
        }
        var (all, weights, result, _) = Exact(model, local);
        var modelWeights = VmcGradient.AmplitudeWeights(all, 1.0);
        Assert.Equal(weights, modelWeights, new ToleranceComparer(1e-12));
        var annealed = VmcGradient.WithEntropy(all, result, temperature);
        var baseline = modelWeights.Select((w, i) => w * annealed.RealHartree[i]).Sum();
        var gradient = VmcGradient.Partial(model, all, modelWeights, annealed, baseline).ToDoubles();

        var theta = FlatParameters.Get(model);
        var random = new Random(3);
        var indices = Enumerable.Range(0, theta.Length).Where(i => Math.Abs(gradient[i]) > 1e-4).OrderBy(_ => random.Next()).Take(12).ToList();
        Assert.Equal(12, indices.Count);
        const double h = 1e-5;
        foreach (var i in indices)
        {
            var shifted = (double[])theta.Clone();
            shifted[i] = theta[i] + h;
            FlatParameters.Set(model, shifted);
            var plus = Objective();
            shifted[i] = theta[i] - h;
            FlatParameters.Set(model, shifted);
            var minus = Objective();
            var numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) < 1e-7 + 1e-5 * Math.Abs(numeric), $"[{i}]: autograd {gradient[i]}, finite difference {numeric}");
        }
        FlatParameters.Set(model, theta);
    }

    [Fact]
    public void Gradient_matches_central_finite_differences_of_the_exact_energy_on_h2()
    {
        using var model = Model(2, 1, 1, seed: 11);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("h2"));
        var (all, weights, result, energy) = Exact(model, local);
        Assert.Equal(1.0, weights.Sum(), 1e-12);
        var gradient = VmcGradient.Partial(model, all, weights, result, energy, chunk: 3).ToDoubles();

        var theta = FlatParameters.Get(model);
        var names = model.named_parameters().SelectMany(p => Enumerable.Repeat(p.name, (int)p.parameter.numel())).ToArray();
        var random = new Random(7);
        var candidates = Enumerable.Range(0, theta.Length).Where(i => Math.Abs(gradient[i]) > 1e-5).OrderBy(_ => random.Next()).ToList();
        var indices = candidates.Where(i => names[i].StartsWith("phase_head", StringComparison.Ordinal)).Take(10)
            .Concat(candidates.Where(i => !names[i].StartsWith("phase_head", StringComparison.Ordinal)).Take(14)).ToList();
        Assert.Equal(24, indices.Count);
        const double h = 1e-5;
        foreach (var i in indices)
        {
            var shifted = (double[])theta.Clone();
            shifted[i] = theta[i] + h;
            FlatParameters.Set(model, shifted);
            var plus = Exact(model, local).EnergyHartree;
            shifted[i] = theta[i] - h;
            FlatParameters.Set(model, shifted);
            var minus = Exact(model, local).EnergyHartree;
            var numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) < 1e-7 + 1e-5 * Math.Abs(numeric),
                $"{names[i]} [{i}]: autograd {gradient[i]}, finite difference {numeric}");
        }
        FlatParameters.Set(model, theta);
        Assert.Equal(theta, FlatParameters.Get(model));
    }

    [Fact]
    public void Partial_gradients_of_cost_balanced_groups_sum_in_group_order_to_the_single_gradient_bitwise()
    {
        const int chunk = 8;
        using var model = Model(6, 2, 2, seed: 12);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var samples = new AutoregressiveSampler(model, new SamplerOptions { Samples = 5000, Seed = 3 }).Sample();
        Assert.True(samples.Unique > 4 * chunk, $"{samples.Unique} unique");
        var evaluator = new TransformerEvaluator(model);
        var whole = local.Compute(samples, evaluator, LocalEnergyMode.Exact);
        var energy = EnergyStatistics.Compute(samples, [whole]).EnergyHartree;
        var single = VmcGradient.Compute(model, samples, whole, energy, chunk);

        // Each group on its own model instance, as on another worker, then reduced in group order.
        var ranges = LocalEnergy.PartitionByCost(local.EstimateCosts(samples), 3, granularity: chunk);
        var parameters = FlatParameters.Get(model);
        var partials = new List<GradientSum>();
        var parts = new List<LocalEnergyResult>();
        foreach (var range in ranges)
        {
            using var worker = new TransformerWavefunction(model.Space, model.Options, seed: 99);
            FlatParameters.Set(worker, parameters);
            // Local energies of a range agree with the whole to round-off only (inference batches differ), so the
            // workers get the single run's values to isolate the reduction.
            Assert.Equal(whole.Slice(range).RealHartree, local.Compute(samples, new TransformerEvaluator(worker), LocalEnergyMode.Exact, range).RealHartree, new ToleranceComparer(1e-12));
            var part = whole.Slice(range);
            parts.Add(part);
            partials.Add(VmcGradient.Partial(worker, samples, part, energy, chunk));
        }
        Assert.Equal(energy, EnergyStatistics.Compute(samples, parts).EnergyHartree);
        var reduced = new GradientSum(single.Length);
        foreach (var partial in partials)
        {
            reduced.Add(partial);
        }
        Assert.Equal(single, reduced.ToDoubles());
        Assert.Contains(single, g => Math.Abs(g) > 1e-6);

        // Fixed-point addition is exact, so the reverse order and a transported copy give the same bits.
        var reversed = new GradientSum(single.Length);
        for (var j = partials.Count - 1; j >= 0; j--)
        {
            reversed.Add(GradientSum.FromBits(partials[j].ToBits()));
        }
        Assert.Equal(single, reversed.ToDoubles());
    }
}
