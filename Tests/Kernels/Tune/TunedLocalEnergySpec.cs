using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Dataflow.Kernels.Tune;
using Dataflow.Tests.Kernels.Nqs;
using Xunit;

namespace Dataflow.Tests.Kernels.Tune;

/// <summary>The specs that load records into the process-wide <see cref="TunedSchedules"/>: run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class TunedSchedulesCollection
{
    public const string Name = "TunedSchedules";
}

/// <summary>nqs's local energies with a tuned row-reduction record: the record is used and the energies keep their bits.</summary>
[Collection(TunedSchedulesCollection.Name)]
public sealed class TunedLocalEnergySpec
{
    [Fact]
    public void A_recorded_reduction_of_the_local_energy_width_splits_the_samples_and_keeps_the_energies_bitwise()
    {
        using var model = NqsTestModels.Create(6, 2, 2, seed: 5);
        var local = LocalEnergy.FromFcidump(BundledMolecules.Load("lih"));
        var evaluator = new TransformerEvaluator(model, chunkSize: 50);
        var sample = new AutoregressiveSampler(model, new SamplerOptions { Samples = 300, Seed = 4 }).Sample();
        var width = local.MaxConnected + 1;
        try
        {
            TunedSchedules.Clear();
            var untuned = new Dictionary<LocalEnergyMode, LocalEnergyResult>
            {
                [LocalEnergyMode.Exact] = local.Compute(sample, evaluator, LocalEnergyMode.Exact),
                [LocalEnergyMode.SampleSpace] = local.Compute(sample, null, LocalEnergyMode.SampleSpace),
            };
            Assert.Null(TunedSchedules.RowReduction(sample.Unique, width));

            // A record of another width is not this kernel's.
            TunedSchedules.Apply([new TuneRecord($"reduction[{sample.Unique}x{width + 1}]", "t0x0x0-u4-v1-o0-c1-p2", 1e-6, 1, "n", "m")]);
            local.Compute(sample, evaluator, LocalEnergyMode.Exact);
            Assert.Equal(0, TunedSchedules.Uses($"reduction[{sample.Unique}x{width + 1}]"));

            // Records of this width: the nearest row count is used, with its chunk and threads; the sums keep their order.
            var near = $"reduction[{sample.Unique + 3}x{width}]";
            TunedSchedules.Apply([
                new TuneRecord(near, "t0x0x0-u4-v1-o0-c3-p2", 1e-6, 1, "n", "m"),
                new TuneRecord($"reduction[{4 * sample.Unique}x{width}]", "t0x0x0-u1-v0-o0-c64-p1", 1e-6, 1, "n", "m"),
            ]);
            foreach (var mode in new[] { LocalEnergyMode.Exact, LocalEnergyMode.SampleSpace })
            {
                var reference = untuned[mode];
                var before = TunedSchedules.Uses(near);
                var tuned = local.Compute(sample, mode == LocalEnergyMode.Exact ? evaluator : null, mode);
                Assert.Equal(before + 1, TunedSchedules.Uses(near));
                Assert.Equal(Bits(reference.RealHartree), Bits(tuned.RealHartree));
                Assert.Equal(Bits(reference.ImaginaryHartree), Bits(tuned.ImaginaryHartree));
                Assert.Equal(reference.ConnectedElements, tuned.ConnectedElements);
            }
            Assert.Equal(0, TunedSchedules.Uses($"reduction[{4 * sample.Unique}x{width}]"));

            // A range of the samples too, chunked one sample per task.
            TunedSchedules.Clear();
            var range = new SampleRange(7, sample.Unique - 20);
            var plain = local.Compute(sample, evaluator, LocalEnergyMode.Exact, range);
            TunedSchedules.Apply([new TuneRecord($"reduction[{range.Count}x{width}]", "t0x0x0-u1-v0-o0-c1-p2", 1e-6, 1, "n", "m")]);
            var split = local.Compute(sample, evaluator, LocalEnergyMode.Exact, range);
            Assert.Equal(1, TunedSchedules.Uses($"reduction[{range.Count}x{width}]"));
            Assert.Equal(Bits(plain.RealHartree), Bits(split.RealHartree));
            Assert.Equal(Bits(plain.ImaginaryHartree), Bits(split.ImaginaryHartree));
        }
        finally
        {
            TunedSchedules.Clear();
        }
    }

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
