using Dataflow.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md;

/// <summary>Whole runs against LAMMPS 29 Sep 2021 (Debian 12 package lammps 20220106.git7586adbb6a+ds1-2+b2): the
/// inputs, data files and logs are in Kernels/Md/Reference, made by the in.* scripts there.</summary>
public sealed class LammpsReferenceSpec(ITestOutputHelper output)
{
    [Theory]
    [InlineData(PairComputePath.HalfList, 1)]
    [InlineData(PairComputePath.HalfList, 2)]
    [InlineData(PairComputePath.FullListKernel, 2)]
    public void Lj_melt_of_500_atoms_matches_LAMMPS_thermo_every_10_steps(PairComputePath path, int threads)
    {
        // Reference: in.lj-500 (bench/in.lj at 5x5x5 cells) -> lj-500.data, log.lj-500.
        var expected = MdTestSystems.ReferenceThermo("log.lj-500", normalized: true);
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1.0, 1.0, 2.5, options: new PairComputeOptions { Path = path, Threads = threads });
        var simulation = new MdSimulation(state, [pair], new VelocityVerlet(), MdTestSystems.BenchNeighbors, threads);
        var actual = new List<ThermoSample>();
        simulation.Run(100, 10, actual.Add);

        Assert.Equal(11, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            // Measured: 3.8e-13 at most over the three paths.
            MdTestSystems.ThermoClose(expected[k], actual[k], 2e-12);
        }
        // LAMMPS: "Neighbor list builds = 5" during the run, plus the one of setup.
        Assert.Equal(6, simulation.Neighbors.BuildCount);
        output.WriteLine($"max relative difference to LAMMPS: {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
    }

    [Fact]
    public void Nose_Hoover_chain_with_a_temperature_ramp_matches_LAMMPS_fix_nvt()
    {
        // Reference: in.lj-500-nvt (fix nvt temp 1.44 1.0 0.1 from lj-500.data) -> log.lj-500-nvt.
        var expected = MdTestSystems.ReferenceThermo("log.lj-500-nvt", normalized: true);
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1.0, 1.0, 2.5, options: new PairComputeOptions { Threads = 1 });
        var thermostat = new NoseHooverChain(1.44, 1.0, 0.1);
        var simulation = new MdSimulation(state, [pair], thermostat, MdTestSystems.BenchNeighbors, 1);
        var actual = new List<ThermoSample>();
        simulation.Run(100, 10, actual.Add);

        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            // Measured: 5.0e-14.
            MdTestSystems.ThermoClose(expected[k], actual[k], 1e-12);
        }
        // The thermostat acted: the NVE run of the same start ends at T = 0.756, this one at 1.139.
        Assert.True(actual[^1].Temperature > 1.1);
        output.WriteLine($"max relative difference to LAMMPS: {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
    }

    [Fact]
    public void Binary_mixture_in_metal_units_with_shift_mixing_and_checked_rebuilds_matches_LAMMPS()
    {
        // Reference: in.binary-metal -> binary-metal.data (atom_style charge), log.binary-metal. Metal units test
        // boltz, mvv2e, ftm2v and nktv2p; the 1-2 pair is mixed geometrically; energies are shifted; the list is
        // rebuilt on the displacement check (LAMMPS: 3 builds) in a box only two bins wide.
        var expected = MdTestSystems.ReferenceThermo("log.binary-metal", normalized: false);
        var system = MdTestSystems.Reference("binary-metal.data");
        Assert.Equal(AtomStyle.Charge, system.Style);
        var state = new MdState(system, UnitSystem.Metal, timestep: 0.002);
        using var pair = new LennardJonesCut(
            2, 8.5, [new LennardJonesPairCoefficient(1, 1, 0.0104, 3.40), new LennardJonesPairCoefficient(2, 2, 0.0140, 3.65)],
            LennardJonesMixing.Geometric, shift: true, new PairComputeOptions { Threads = 2 });
        var simulation = new MdSimulation(
            state, [pair], new VelocityVerlet(), new NeighborSettings { SkinDistance = 1.0, Every = 1, Delay = 0, Check = true }, 2);
        var actual = new List<ThermoSample>();
        simulation.Run(100, 10, actual.Add);

        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            // Measured: 2.1e-11 (metal units, lists rebuilt on the displacement check).
            MdTestSystems.ThermoClose(expected[k], actual[k], 1e-10);
        }
        Assert.Equal((2, 2, 2), simulation.Neighbors.BinCounts);
        Assert.Equal(1 + 3, simulation.Neighbors.BuildCount);
        output.WriteLine($"max relative difference to LAMMPS: {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
    }

    [HeavyFact]
    [Trait("Category", "Heavy")]
    public void Lj_melt_of_32000_atoms_matches_LAMMPS_bench_in_lj()
    {
        // Reference: in.lj-32000 (bench/in.lj) -> lj-32000.data.gz, log.lj-32000.
        var expected = MdTestSystems.ReferenceThermo("log.lj-32000", normalized: true);
        var state = new MdState(MdTestSystems.Reference("lj-32000.data.gz"), UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1.0, 1.0, 2.5);
        var simulation = new MdSimulation(state, [pair], new VelocityVerlet(), MdTestSystems.BenchNeighbors);
        var actual = new List<ThermoSample>();
        simulation.Run(100, 10, actual.Add);

        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            // Measured through the runtime (MdWorkloadSpec, the same forces and integrator): 4.1e-12.
            MdTestSystems.ThermoClose(expected[k], actual[k], 1e-11);
        }
        output.WriteLine($"max relative difference to LAMMPS: {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
    }

    [HeavyFact]
    [Trait("Category", "Heavy")]
    public void Benchmark_of_the_32000_atom_case_ends_every_variant_at_LAMMPS_final_energy()
    {
        var writer = new StringWriter();
        var report = MdBenchmark.Run(writer);
        output.WriteLine(writer.ToString());
        // Speeds are the benchmark's output, not a test's (`make bench`). What a wrong implementation would fail: every
        // timed Dataflow variant ended at LAMMPS' final etotal of log.lj-32000 (the same 100 steps).
        var lammps = MdTestSystems.ReferenceThermo("log.lj-32000", normalized: true)[^1].TotalEnergy;
        Assert.NotEmpty(report.FinalTotalEnergies);
        Assert.All(report.FinalTotalEnergies, e => MdTestSystems.Close(lammps, e, 1e-11, "final etotal/atom"));
    }
}
