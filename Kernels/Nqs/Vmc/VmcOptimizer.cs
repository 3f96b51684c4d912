using System.Diagnostics;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Quantum;
using TorchSharp;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Variational Monte Carlo of a <see cref="TransformerWavefunction"/> for a molecular Hamiltonian:
/// per iteration, autoregressive sampling, local energies, and an update: AdamW on the energy gradient
/// (NNQS-Transformer, arXiv 2306.16705, Algorithm 1; QChem-Trainer, arXiv 2506.23809), then, by default, stochastic
/// reconfiguration (see <see cref="VmcOptions.Update"/>).</summary>
/// <remarks>Single process; the actors divide the same steps with <see cref="LocalEnergy.PartitionByCost"/> and
/// <see cref="VmcGradient.Partial(TransformerWavefunction, SampleResult, LocalEnergyResult, double, int)"/>.</remarks>
public static class VmcOptimizer
{
    /// <summary>Optimises a freshly initialised model for the FCIDUMP's Hamiltonian and sector.</summary>
    public static VmcResult Run(Fcidump fcidump, VmcOptions options, Action<VmcIteration>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        ArgumentNullException.ThrowIfNull(options);
        return Run(LocalEnergy.FromFcidump(options.Arrange(fcidump)), options, progress);
    }

    /// <summary>Optimises a freshly initialised model (seeded by <see cref="VmcOptions.Seed"/>).</summary>
    public static VmcResult Run(LocalEnergy localEnergy, VmcOptions options, Action<VmcIteration>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(localEnergy);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureLoaded(options.Threads);
        using var model = new TransformerWavefunction(localEnergy.Space, options.Model, options.Seed);
        if (options.PhaseInitStd > 0)
        {
            InitializePhaseHead(model, options.PhaseInitStd, options.Seed);
        }
        return Run(model, localEnergy, options, progress);
    }

    /// <summary>The update direction of iteration <paramref name="t"/>: the energy gradient with count weights when
    /// <see cref="VmcOptions.GradientWeightExponent"/> is 1 and the temperature 0, else the gradient of the annealed
    /// objective with amplitude-power weights, centred on its own weighted mean.</summary>
    private static double[] Gradient(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult local, double energyHartree, VmcOptions options, int t)
    {
        var temperature = options.TemperatureAt(t);
        if (options.GradientWeightExponent == 1.0 && temperature == 0.0)
        {
            return VmcGradient.Compute(model, samples, local, energyHartree);
        }
        var objective = Objective(samples, local, energyHartree, options, t);
        return VmcGradient.Partial(model, samples, objective.Weights, objective.Energies, objective.BaselineHartree).ToDoubles();
    }

    /// <summary>The weights, local energies and baseline whose weighted gradient is iteration <paramref name="t"/>'s
    /// update direction (the cluster driver hands them to its evaluators): count weights and the plain energy when
    /// <see cref="VmcOptions.GradientWeightExponent"/> is 1 and the temperature 0, else amplitude-power weights and the
    /// annealed energies centred on their weighted mean.</summary>
    public static GradientObjective Objective(
        SampleResult samples, LocalEnergyResult local, double energyHartree, VmcOptions options, int t)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(options);
        var temperature = options.TemperatureAt(t);
        if (options.GradientWeightExponent == 1.0 && temperature == 0.0)
        {
            var n = (double)samples.Samples;
            return new GradientObjective(samples.Counts.Select(c => c / n).ToArray(), local, energyHartree);
        }
        var weights = VmcGradient.AmplitudeWeights(samples, options.GradientWeightExponent);
        var annealed = VmcGradient.WithEntropy(samples, local, temperature);
        var baseline = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            baseline += weights[i] * annealed.RealHartree[i];
        }
        return new GradientObjective(weights, annealed, baseline);
    }

    /// <summary>The reported energy of a history: the mean of the last <paramref name="averaged"/> iterations, the
    /// standard error of that mean from the fluctuation of those iterations' energies, and the mean variance.</summary>
    /// <remarks>The error is the blocking estimate (Flyvbjerg and Petersen, J. Chem. Phys. 91, 461 (1989)): the
    /// per-iteration energies are averaged in pairs, again and again, and the largest standard error of the mean over
    /// the levels that keep at least eight blocks is taken; a window too short for blocking (the default is ten
    /// iterations) still gets the lag-1 autocorrelation factor sqrt((1 + rho) / (1 - rho)), rho clamped to [0, 0.9],
    /// on the plain error of its mean. Correlation between successive iterations (and the drift of a still-improving
    /// optimisation) so widens the error instead of hiding. It measures the statistical
    /// uncertainty of the window's mean only: it excludes the variational bias, the distance of the wavefunction's
    /// exact energy above the ground state, which only a reference (FCI) shows. A window of one iteration falls back
    /// to that iteration's sample error, which counts the samples as independent.</remarks>
    public static (double EnergyHartree, double StandardErrorHartree, double VarianceHartree2, int Window) Summarise(
        IReadOnlyList<VmcIteration> history, int averaged)
    {
        ArgumentNullException.ThrowIfNull(history);
        var window = history.TakeLast(Math.Min(averaged, history.Count)).ToList();
        var energy = window.Average(i => i.EnergyHartree);
        var error = window.Count < 2
            ? window[0].Statistics.StandardErrorHartree
            : BlockingStandardError([.. window.Select(i => i.EnergyHartree)]);
        return (energy, error, window.Average(i => i.VarianceHartree2), window.Count);
    }

    /// <summary>The blocking estimate of the standard error of the mean of a correlated series (see
    /// <see cref="Summarise"/>): the largest over pairwise-averaging levels with at least eight blocks, level 0 always
    /// included, and level 0's error times the lag-1 autocorrelation factor.</summary>
    public static double BlockingStandardError(IReadOnlyList<double> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(series.Count, 2, nameof(series));
        var blocks = series.ToArray();
        var largest = 0.0;
        for (var level = 0; level == 0 || blocks.Length >= 8; level++)
        {
            var mean = blocks.Average();
            var squares = 0.0;
            foreach (var x in blocks)
            {
                squares += (x - mean) * (x - mean);
            }
            var error = Math.Sqrt(squares / (blocks.Length * (blocks.Length - 1.0)));
            largest = Math.Max(largest, error);
            if (level == 0 && squares > 0)
            {
                var lagged = 0.0;
                for (var k = 0; k + 1 < blocks.Length; k++)
                {
                    lagged += (blocks[k] - mean) * (blocks[k + 1] - mean);
                }
                var rho = Math.Clamp(lagged / squares, 0.0, 0.9);
                largest = Math.Max(largest, error * Math.Sqrt((1 + rho) / (1 - rho)));
            }
            var next = new double[blocks.Length / 2];
            for (var k = 0; k < next.Length; k++)
            {
                next[k] = 0.5 * (blocks[2 * k] + blocks[2 * k + 1]);
            }
            blocks = next;
        }
        return largest;
    }

    /// <summary>Redraws the phase head's weights from N(0, <paramref name="std"/>^2 / fan_in) with a generator seeded by
    /// <paramref name="seed"/> (biases stay 0), so that phase differences start of order one.</summary>
    public static void InitializePhaseHead(TransformerWavefunction model, double std, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var generator = new torch.Generator(unchecked((ulong)seed) ^ 0x9E3779B97F4A7C15UL);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.StartsWith("phase_head.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal))
            {
                // Fan-in scaling keeps tanh unsaturated: saturated units give every configuration the same phase.
                p.normal_(0.0, std / Math.Sqrt(p.shape[1]), generator);
            }
        }
    }

    /// <summary>Optimises <paramref name="model"/> in place.</summary>
    public static VmcResult Run(
        TransformerWavefunction model, LocalEnergy localEnergy, VmcOptions options, Action<VmcIteration>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(localEnergy);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureLoaded(options.Threads);
        if (model.Space != localEnergy.Space)
        {
            throw new ArgumentException($"the model describes {model.Space}, the Hamiltonian {localEnergy.Space}", nameof(model));
        }
        var total = Stopwatch.StartNew();
        var parameters = FlatParameters.Get(model);
        var optimizer = new VmcAdamW(parameters.Length);
        var evaluator = new PrefixTreeEvaluator(model);
        var history = new List<VmcIteration>(options.Iterations);
        var clock = new Stopwatch();
        for (var t = 0; t < options.Iterations; t++)
        {
            clock.Restart();
            TorchRuntime.EnsureLoaded(options.Threads);
            var sampler = new AutoregressiveSampler(model, new SamplerOptions
            {
                Samples = options.SamplesAt(t),
                Seed = options.Seed,
                Iteration = t,
            });
            var samples = sampler.SampleSplit();
            var samplingSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var local = localEnergy.Compute(samples, evaluator, options.LocalEnergyMode);
            var statistics = EnergyStatistics.Compute(samples, [local]);
            var localSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            TorchRuntime.EnsureLoaded(options.GradientThreads);
            double learningRate;
            if (options.UsesReconfigurationAt(t))
            {
                learningRate = StochasticReconfiguration.Step(model, samples, local, options, t, parameters);
            }
            else
            {
                learningRate = options.LearningRateAt(t);
                var gradient = Gradient(model, samples, local, statistics.EnergyHartree, options, t);
                optimizer.Step(parameters, gradient, learningRate, options.WeightDecay);
            }
            FlatParameters.Set(model, parameters);
            var gradientSeconds = clock.Elapsed.TotalSeconds;

            var record = new VmcIteration(
                t, statistics, learningRate, local.ConnectedElements, samplingSeconds, localSeconds, gradientSeconds);
            history.Add(record);
            progress?.Invoke(record);
        }

        var (energy, error, _, window) = Summarise(history, options.AveragedIterations);
        return new VmcResult(energy, error, window, history, parameters, total.Elapsed.TotalSeconds);
    }
}
