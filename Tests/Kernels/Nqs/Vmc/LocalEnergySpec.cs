using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

public sealed class LocalEnergySpec
{
    [Theory]
    [InlineData("h2")]
    [InlineData("lih")]
    public void Local_energy_of_the_fci_ground_state_is_the_fci_energy_everywhere_in_both_modes(string molecule)
    {
        var (table, fciEnergy, local) = DictionaryWavefunction.FullCi(molecule);
        var k = local.Hamiltonian.OrbitalCount;
        // Every configuration with a representable amplitude is sampled, so sample-space mode drops only |c| < 1e-14.
        var samples = DictionaryWavefunction.AsSamples(k, table, 1e-14);
        var psi = new DictionaryWavefunction(k, table);
        foreach (var mode in new[] { LocalEnergyMode.Exact, LocalEnergyMode.SampleSpace })
        {
            var result = local.Compute(samples, psi, mode);
            var checkedCount = 0;
            for (var i = 0; i < samples.Unique; i++)
            {
                // E_loc = E + r_x / c_x: assert where c_x is not tiny, so the eigenvector's round-off stays below 1e-9.
                if (samples.LogAmplitudes[i] > Math.Log(1e-3))
                {
                    Assert.Equal(fciEnergy, result.RealHartree[i], 1e-9);
                    Assert.Equal(0.0, result.ImaginaryHartree[i], 1e-9);
                    checkedCount++;
                }
            }
            Assert.True(checkedCount >= 2, $"{checkedCount} configurations checked");
            Assert.True(result.ConnectedElements > 0);
            var stats = EnergyStatistics.Compute(samples, [result]);
            Assert.Equal(fciEnergy, stats.EnergyHartree, 1e-8);
            Assert.True(stats.VarianceHartree2 < 1e-12, $"variance {stats.VarianceHartree2}");
        }
        Assert.Equal(fciEnergy, BundledMolecules.Reference(molecule).FciEnergyHartree, 1e-6);
    }

    [Fact]
    public void Sample_space_equals_exact_when_every_connected_configuration_is_sampled_and_exact_matches_brute_force()
    {
        using var model = NqsTestModels.Create(6, 2, 2, seed: 5);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var evaluator = new TransformerEvaluator(model, chunkSize: 50);
        var all = model.Space.Enumerate();
        var allBits = Enumerable.Range(0, all.Length / 6).Select(i => OrbitalTokens.ToBits(all.AsSpan(i * 6, 6))).ToArray();
        var logs = new double[allBits.Length];
        var phases = new double[allBits.Length];
        evaluator.Evaluate(allBits, logs, phases);
        var full = new SampleResult(6, all, Enumerable.Repeat(1L, allBits.Length).ToArray(), logs, phases);

        var exact = local.Compute(full, evaluator, LocalEnergyMode.Exact);
        var sampleSpace = local.Compute(full, null, LocalEnergyMode.SampleSpace);
        Assert.Equal(0, exact.Inferred);
        Assert.Equal(exact.ConnectedElements, sampleSpace.ConnectedElements);
        Assert.Equal(exact.RealHartree, sampleSpace.RealHartree);
        Assert.Equal(exact.ImaginaryHartree, sampleSpace.ImaginaryHartree);

        // A real sample misses configurations: exact mode infers them and agrees with the dense sum over the space,
        // sample-space mode does not.
        var sample = new AutoregressiveSampler(model, new SamplerOptions { Samples = 300, Seed = 4 }).Sample();
        Assert.True(sample.Unique < allBits.Length);
        var partialExact = local.Compute(sample, evaluator, LocalEnergyMode.Exact);
        var partialSampleSpace = local.Compute(sample, null, LocalEnergyMode.SampleSpace);
        Assert.True(partialExact.Inferred > 0);
        var maxDifference = 0.0;
        for (var i = 0; i < sample.Unique; i++)
        {
            var x = new Determinant64(sample.Bits(i));
            double re = 0, im = 0;
            for (var j = 0; j < allBits.Length; j++)
            {
                var h = local.Hamiltonian.Element(x, new Determinant64(allBits[j]));
                var ratio = Math.Exp(logs[j] - sample.LogAmplitudes[i]);
                re += h * ratio * Math.Cos(phases[j] - sample.Phases[i]);
                im += h * ratio * Math.Sin(phases[j] - sample.Phases[i]);
            }
            Assert.Equal(re, partialExact.RealHartree[i], 1e-9);
            Assert.Equal(im, partialExact.ImaginaryHartree[i], 1e-9);
            maxDifference = Math.Max(maxDifference, Math.Abs(partialSampleSpace.RealHartree[i] - re));
        }
        Assert.True(maxDifference > 1e-3, $"sample-space differs from exact by only {maxDifference}");
    }

    [Fact]
    public void Ranges_give_the_same_local_energies_as_the_whole()
    {
        using var model = NqsTestModels.Create(6, 2, 2, seed: 6);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var evaluator = new TransformerEvaluator(model);
        var sample = new AutoregressiveSampler(model, new SamplerOptions { Samples = 2000, Seed = 1 }).Sample();
        var ranges = LocalEnergy.PartitionByCost(local.EstimateCosts(sample), 3);
        Assert.All(ranges, r => Assert.True(r.Count > 0));

        // Sample-space mode does no inference: ranges give the same bits.
        var whole = local.Compute(sample, null, LocalEnergyMode.SampleSpace);
        var parts = ranges.Select(r => local.Compute(sample, null, LocalEnergyMode.SampleSpace, r)).ToList();
        Assert.Equal(whole.RealHartree, parts.SelectMany(p => p.RealHartree).ToArray());
        Assert.Equal(whole.ImaginaryHartree, parts.SelectMany(p => p.ImaginaryHartree).ToArray());
        Assert.Equal(whole.ConnectedElements, parts.Sum(p => p.ConnectedElements));
        Assert.Equal(EnergyStatistics.Compute(sample, [whole]), EnergyStatistics.Compute(sample, parts));

        // Exact mode infers each range's missing configurations in other batches: equal to round-off.
        var exactWhole = local.Compute(sample, evaluator, LocalEnergyMode.Exact);
        var exactParts = ranges.Select(r => local.Compute(sample, evaluator, LocalEnergyMode.Exact, r)).ToList();
        var real = exactParts.SelectMany(p => p.RealHartree).ToArray();
        var imaginary = exactParts.SelectMany(p => p.ImaginaryHartree).ToArray();
        for (var i = 0; i < sample.Unique; i++)
        {
            Assert.Equal(exactWhole.RealHartree[i], real[i], 1e-12);
            Assert.Equal(exactWhole.ImaginaryHartree[i], imaginary[i], 1e-12);
        }
    }

    [Fact]
    public void PartitionByCost_balances_cost_not_sample_counts()
    {
        // Ten expensive samples then a thousand cheap ones: equal counts would give part 0 nearly all the cost.
        var costs = Enumerable.Repeat(100L, 10).Concat(Enumerable.Repeat(1L, 1000)).ToArray();
        var ranges = LocalEnergy.PartitionByCost(costs, 4);
        Assert.Equal(4, ranges.Length);
        Assert.Equal(0, ranges[0].Start);
        Assert.Equal(costs.Length, ranges[^1].End);
        for (var j = 1; j < ranges.Length; j++)
        {
            Assert.Equal(ranges[j - 1].End, ranges[j].Start);
        }
        var total = costs.Sum();
        foreach (var r in ranges)
        {
            var cost = costs.AsSpan(r.Start, r.Count).ToArray().Sum();
            Assert.InRange(cost, total / 4.0 - 100, total / 4.0 + 100);
        }
        Assert.True(ranges[0].Count < 300 && ranges[3].Count > 250, string.Join(", ", ranges));

        var granular = LocalEnergy.PartitionByCost(costs, 3, granularity: 64);
        Assert.All(granular.Take(2), r => Assert.Equal(0, r.End % 64));
        Assert.Equal(costs.Length, granular.Sum(r => r.Count));

        var lih = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        using var model = NqsTestModels.Create(6, 2, 2);
        var sample = new AutoregressiveSampler(model, new SamplerOptions { Samples = 1000, Seed = 2 }).Sample();
        var estimated = lih.EstimateCosts(sample);
        Assert.All(estimated, c => Assert.InRange(c, 2, lih.MaxConnected + 1));
        Assert.Equal(lih.Compute(sample, null, LocalEnergyMode.SampleSpace).ConnectedElements, estimated.Sum() - sample.Unique);
    }
}
