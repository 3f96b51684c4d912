using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Default VMC on every bundled molecule against its FCI energy, and exact against sample-space local
/// energy throughput on the same samples.</summary>
public static class VmcBenchmark
{
    /// <summary>Chemical accuracy, hartree (1 kcal/mol).</summary>
    public const double ChemicalAccuracyHartree = 1.6e-3;

    /// <summary>Runs the default <see cref="VmcOptions"/> on <paramref name="molecules"/> (all bundled when null)
    /// and prints one line per molecule, then the local-energy throughput on <paramref name="throughputMolecule"/>.</summary>
    public static void Run(TextWriter output, IEnumerable<string>? molecules = null, VmcOptions? options = null, string throughputMolecule = "n2")
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= new VmcOptions();
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"VMC, defaults: {options.Iterations} iterations, {options.InitialSamples}->{options.Samples} samples, lr {options.LearningRate}, d_model {options.Model.DModel}, {options.Model.Layers} layers, {options.LocalEnergyMode} local energy, seed {options.Seed}, {options.Threads} torch thread(s)"));
        output.WriteLine("molecule  K  E_vmc (Ha)        +-        E_FCI (Ha)        error (mHa)  within 1.6 mHa  seconds");
        foreach (var name in molecules ?? BundledMolecules.Names)
        {
            var result = VmcOptimizer.Run(BundledMolecules.Load(name), options);
            var fci = BundledMolecules.Reference(name).FciEnergyHartree;
            var errorMilli = (result.EnergyHartree - fci) * 1e3;
            output.WriteLine(string.Create(inv,
                $"{name,-8} {BundledMolecules.Load(name).OrbitalCount,2}  {result.EnergyHartree,15:F8}  {result.StandardErrorHartree,8:E1}  {fci,15:F8}  {errorMilli,11:F3}  {(Math.Abs(errorMilli) < 1e3 * ChemicalAccuracyHartree ? "yes" : "no"),14}  {result.Seconds,7:F1}"));
            output.Flush();
        }
        Throughput(output, throughputMolecule, options);
    }

    /// <summary>Connected elements per second of exact and sample-space local energies, side by side on the same
    /// sample of a freshly initialised model.</summary>
    public static void Throughput(TextWriter output, string molecule, VmcOptions options, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.EnsureLoaded(options.Threads);
        var localEnergy = LocalEnergy.FromFcidump(BundledMolecules.Load(molecule));
        using var model = new TransformerWavefunction(localEnergy.Space, options.Model with { InitStd = 0.4 }, options.Seed);
        var samples = new AutoregressiveSampler(model, new SamplerOptions { Samples = options.Samples, Seed = options.Seed }).Sample();
        var evaluator = new TransformerEvaluator(model);
        var inv = CultureInfo.InvariantCulture;
        foreach (var mode in new[] { LocalEnergyMode.Exact, LocalEnergyMode.SampleSpace })
        {
            var best = double.MaxValue;
            LocalEnergyResult? result = null;
            for (var r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                result = localEnergy.Compute(samples, evaluator, mode);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            output.WriteLine(string.Create(inv,
                $"local energy {molecule} {mode,-11}: {samples.Unique} unique samples, {result!.ConnectedElements} connected elements, {result.Inferred} inferred, {best * 1e3:F1} ms, {result.ConnectedElements / best:E3} elements/s"));
        }
    }
}
