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

    [Fact]
    public void The_most_frequent_samples_enter_S_in_index_order()
    {
        Assert.Equal([0, 1, 2], StochasticReconfiguration.Rows([5, 1, 9], 3));
        Assert.Equal([0, 2], StochasticReconfiguration.Rows([5, 1, 9], 2));
        Assert.Equal([1, 3], StochasticReconfiguration.Rows([2, 7, 2, 7, 1], 2));
    }
}
