using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Md;
using Dataflow.Tests.Kernels.Md;
using Dataflow.Tests.Kernels.Md.Coulomb;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Dataflow;

/// <summary><c>md</c> as a job on domain actors in an embedded cluster: LAMMPS parity, and the same bits for every
/// domain grid, with and without ring balancing and long-range electrostatics.</summary>
/// <remarks>Agreement between decompositions is bitwise: each atom's force is summed over the same pairs in the
/// order of the partners' (id, image) keys from the same position bits, the k-space solver sees the whole system in
/// id order, and thermo sums are exact fixed-point sums, so nothing depends on which domain holds an atom.</remarks>
public sealed class MdWorkloadSpec(ITestOutputHelper output)
{
    private static MdJobBuilder Lj500(string domains) => Job.Md()
        .Data(MdReferenceData.File("lj-500.data")).Pair("lj/cut", 2.5).Skin(0.3).RebuildEvery(20).Steps(100).Thermo(10)
        .Domains(domains);

    [Fact]
    public async Task Lj_melt_matches_LAMMPS_and_is_bitwise_identical_on_1_8_and_ring_balanced_domains()
    {
        // Reference: LAMMPS 29Sep2021 bench/in.lj at 500 atoms (Kernels/Md/Reference/in.lj-500, log.lj-500).
        var expected = MdTestSystems.ReferenceThermo("log.lj-500", normalized: true);
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var results = new List<MdResult>();
        foreach (var job in new[]
        {
            Lj500("1x1x1").Build(),
            Lj500("2x2x2").Build(),
            Lj500("3x1x1").Balance("ring", 20).Build(),
            Lj500("1x2x3").Balance("ring", 20).Build(),
        })
        {
            var result = (await cluster.RunAsync(job)).As<MdResult>();
            output.WriteLine($"{result.Domains} balance {result.Balance}: {result.StateSha256} imbalance {result.Imbalance:F3}");
            Assert.Equal(expected.Count, result.Thermo.Length);
            var actual = result.Thermo.Select(t => new ThermoSample(t.Step, t.Temp, t.Pe, t.Ke, t.Etotal, t.Press, true)).ToList();
            output.WriteLine($"{result.Domains}: largest relative difference to LAMMPS {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
            // Measured: 3.7e-13 on every grid (the same bits).
            for (var k = 0; k < expected.Count; k++)
            {
                MdTestSystems.ThermoClose(expected[k], actual[k], 2e-12);
            }
            Assert.Equal(500, result.Atoms);
            results.Add(result);
        }
        Assert.All(results, r => Assert.Equal(results[0].StateSha256, r.StateSha256));
        Assert.All(results, r => Assert.Equal(results[0].Thermo, r.Thermo));
    }

    [Fact]
    public async Task Lammps_bench_in_lj_32000_atoms_matches_LAMMPS_to_1e_11_on_1_and_8_domains()
    {
        // Reference: LAMMPS 29Sep2021 bench/in.lj as distributed (32,000 atoms), thermo every 10 steps at full
        // precision, started from the data file LAMMPS wrote after velocity create (Kernels/Md/Reference/in.lj-32000,
        // lj-32000.data.gz, log.lj-32000).
        var expected = MdTestSystems.ReferenceThermo("log.lj-32000", normalized: true);
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        string? hash = null;
        foreach (var domains in new[] { "1x1x1", "2x2x2" })
        {
            var job = Job.Md().Data(MdReferenceData.File("lj-32000.data.gz")).Pair("lj/cut", 2.5).Skin(0.3).RebuildEvery(20)
                .Steps(100).Thermo(10).Domains(domains).Build();
            var result = (await cluster.RunAsync(job)).As<MdResult>();
            output.WriteLine($"{domains}: {result.AtomStepsPerSecond:E3} atom-steps/s, {result.StateSha256}");
            Assert.Equal(expected.Count, result.Thermo.Length);
            var worst = 0.0;
            for (var k = 0; k < expected.Count; k++)
            {
                var t = result.Thermo[k];
                var actual = new ThermoSample(t.Step, t.Temp, t.Pe, t.Ke, t.Etotal, t.Press, true);
                // README: "thermo equal to LAMMPS' bench/in.lj to 1e-11 on 1 and 8 domains"; measured 4.1e-12.
                MdTestSystems.ThermoClose(expected[k], actual, 1e-11);
                worst = Math.Max(worst, MdTestSystems.MaxRelativeDifference([expected[k]], [actual]));
            }
            output.WriteLine($"{domains}: largest relative difference to LAMMPS {worst:E2}");
            hash ??= result.StateSha256;
            Assert.Equal(hash, result.StateSha256);
        }
    }

    [Fact]
    public async Task Molten_salt_with_pppm_on_its_own_actor_matches_the_engine_and_is_identical_on_4_domains()
    {
        const int steps = 60;
        var reference = SaltReference(steps);
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        string? hash = null;
        foreach (var domains in new[] { "1x1x1", "2x2x1" })
        {
            var job = Job.Md().Data(MdReferenceData.File("nacl-melt.data")).Units("metal").Pair("lj/cut/coul/long", 8.0)
                .PairCoeff("1 1 0.005637 2.350").PairCoeff("2 2 0.004336 4.400").Mixing("arithmetic")
                .KSpace("pppm", 1e-5).Timestep(SaltSystems.TimestepPs).Skin(2.0).RebuildEvery(10).Steps(steps).Thermo(20)
                .Domains(domains).Build();
            var result = (await cluster.RunAsync(job)).As<MdResult>();
            Assert.Equal(reference.Count, result.Thermo.Length);
            for (var k = 0; k < reference.Count; k++)
            {
                var t = result.Thermo[k];
                // Same forces as the engine's lj/cut/coul/long + PPPM up to summation order (1e-13), over 60 steps.
                MdTestSystems.ThermoClose(reference[k], new ThermoSample(t.Step, t.Temp, t.Pe, t.Ke, t.Etotal, t.Press, false), 1e-9);
            }
            hash ??= result.StateSha256;
            Assert.Equal(hash, result.StateSha256);
        }
    }

    [Fact]
    public async Task Langevin_thermostat_holds_the_target_temperature_with_the_same_bits_on_1_and_8_domains()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var results = new List<MdResult>();
        foreach (var domains in new[] { "1x1x1", "2x2x2" })
        {
            var job = Lj500(domains).Steps(1000).Thermo(50).Langevin(1.0, 1.0, 0.5, 48279).Build();
            results.Add((await cluster.RunAsync(job)).As<MdResult>());
        }
        Assert.Equal(results[0].StateSha256, results[1].StateSha256);
        // Without the thermostat the melt cools from 1.44 to about 0.75 (log.lj-500); with it, after 10 damping times
        // the mean temperature of the last 500 steps is the target within the fluctuations of 500 atoms (about 0.04
        // per sample, so 0.04 / sqrt(10) for the mean of 10 correlated samples, taken as 0.05 with margin).
        var late = results[0].Thermo.Where(t => t.Step > 500).Select(t => t.Temp).ToArray();
        Assert.InRange(late.Average(), 0.95, 1.05);
        Assert.Equal("langevin 1 1 0.5 48279", results[0].Thermostat);
    }

    [Fact]
    public async Task Ring_balancing_lowers_the_imbalance_of_a_skewed_system_without_changing_a_bit()
    {
        // The 500-atom melt in the lower half of a box twice as long in x: of four domains along x, two start with
        // every atom and two with none (imbalance near 2). Ring balancing moves the boundaries towards the atoms. The
        // imbalance is measured CPU time, so the test compares it with the unbalanced run's over the same steps and
        // asks for a clear fall, not for a value.
        var melt = MdTestSystems.Reference("lj-500.data");
        var skewed = new MdSystem(
            OrthogonalBox.FromLengths(2 * melt.Box.LengthX, melt.Box.LengthY, melt.Box.LengthZ), melt.TypeCount, melt.Ids,
            melt.Types, melt.Positions, melt.Velocities, masses: melt.Masses)
        { PairCoefficients = melt.PairCoefficients };
        var text = new StringWriter();
        LammpsDataWriter.Write(text, skewed);
        MdJobBuilder Skewed() => Job.Md().DataText(text.ToString(), "skewed.data").Pair("lj/cut", 2.5).Skin(0.3)
            .RebuildEvery(20).Steps(400).Thermo(100).Domains("4x1x1");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var fixedBoundaries = (await cluster.RunAsync(Skewed().Build())).As<MdResult>();
        var balanced = (await cluster.RunAsync(Skewed().Balance("ring", 20).Build())).As<MdResult>();
        static double Late(MdResult r) => r.ImbalanceHistory.Where(i => i.Step > 200).Average(i => i.Imbalance);
        output.WriteLine($"imbalance after step 200: fixed boundaries {Late(fixedBoundaries):F3}, ring {Late(balanced):F3}; "
            + $"ring history {string.Join(" ", balanced.ImbalanceHistory.Select(i => i.Imbalance.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(Late(fixedBoundaries) > 1.5, $"the skewed system should be imbalanced without balancing: {Late(fixedBoundaries):F3}");
        // Measured on two cores under a load of 60: 1.89 fixed, 1.34 ring (single intervals 1.1 to 1.6).
        Assert.True(Late(balanced) < 0.85 * Late(fixedBoundaries),
            $"ring balancing: {Late(balanced):F3} against {Late(fixedBoundaries):F3} with fixed boundaries");
        Assert.Equal(fixedBoundaries.StateSha256, balanced.StateSha256);
    }

    [Fact]
    public void Invalid_settings_name_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => Lj500("2x0x1").Build());
        Assert.Contains("domains", e.Message);
        e = Assert.Throws<ArgumentException>(() => Lj500("1x1x1").KSpace("pppm").Build());
        Assert.Contains("lj/cut/coul/long", e.Message);
        e = Assert.Throws<ArgumentException>(() => Lj500("1x1x1").Balance("ring", 25).Build());
        Assert.Contains("balance-every must be a multiple of rebuild-every 20", e.Message);
        e = Assert.Throws<ArgumentException>(() => Lj500("1x1x1").PairCoeff("1 1 x 1").Build());
        Assert.Contains("expected I J epsilon sigma", e.Message);
        e = Assert.Throws<ArgumentException>(() => Lj500("1x1x1").Langevin(1, 1, 0, 5).Build());
        Assert.Contains("langevin takes T_start T_stop damp seed", e.Message);
        e = Assert.Throws<ArgumentException>(() => Job.Md().DataText("junk\n\n1 atoms\n", "bad.data").Build());
        Assert.Contains("bad.data", e.Message);
    }

    private static List<ThermoSample> SaltReference(int steps)
    {
        var state = SaltSystems.MeltState();
        var kspace = KSpaceForceProvider.ForAccuracy(KSpaceStyle.Pppm, state, 1e-5, SaltSystems.CutoffAngstrom);
        var simulation = SaltSystems.Simulation(state, kspace);
        var samples = new List<ThermoSample>();
        simulation.Run(steps, 20, samples.Add);
        return samples;
    }
}
