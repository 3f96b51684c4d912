using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Dataflow.Tests.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

public sealed class VmcOptimizerSpec(ITestOutputHelper output)
{
    [Fact]
    public void Default_vmc_reaches_chemical_accuracy_on_h2() => ReachesChemicalAccuracy("h2", 150);

    [Fact]
    public void Default_vmc_reaches_chemical_accuracy_on_lih() => ReachesChemicalAccuracy("lih");

    [HeavyFact]
    [Trait("Category", "Heavy")]
    public void Default_vmc_reaches_chemical_accuracy_on_h2o() => ReachesChemicalAccuracy("h2o");

    [Fact]
    public void Equal_seeds_give_bitwise_equal_runs_through_the_annealing()
    {
        var options = new VmcOptions { Iterations = 20, Seed = 3 };
        var a = VmcOptimizer.Run(BundledMolecules.Load("lih"), options);
        var b = VmcOptimizer.Run(BundledMolecules.Load("lih"), options);
        var c = VmcOptimizer.Run(BundledMolecules.Load("lih"), options with { Seed = 4 });
        Assert.True(options.TemperatureAt(5) > 0 && options.TemperatureAt(19) == 0);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.History.Select(i => i.EnergyHartree), b.History.Select(i => i.EnergyHartree));
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    private void ReachesChemicalAccuracy(string molecule, int? iterations = null)
    {
        var options = new VmcOptions { Seed = 1 };
        options = iterations is { } n ? options with { Iterations = n } : options;
        var result = VmcOptimizer.Run(BundledMolecules.Load(molecule), options, i =>
        {
            if (i.Iteration % 10 == 0)
            {
                output.WriteLine($"{i.Iteration} E {i.EnergyHartree:F6} var {i.VarianceHartree2:E2} unique {i.Unique} lr {i.LearningRate:E2} s {i.SamplingSeconds:F3} {i.LocalEnergySeconds:F3} {i.GradientSeconds:F3}");
            }
        });
        var fci = BundledMolecules.Reference(molecule).FciEnergyHartree;
        output.WriteLine($"{molecule}: E {result.EnergyHartree:F8} +- {result.StandardErrorHartree:E1}, FCI {fci:F8}, error {(result.EnergyHartree - fci) * 1e3:F3} mHa, {result.Seconds:F1} s");
        Assert.True(Math.Abs(result.EnergyHartree - fci) < VmcBenchmark.ChemicalAccuracyHartree,
            $"{molecule}: {result.EnergyHartree} vs FCI {fci}");
    }
}
