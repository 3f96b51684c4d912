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
            MdTestSystems.ThermoClose(expected[k], actual[k], 1e-6);
        }
        // LAMMPS: "Neighbor list builds = 5" during the run, plus the one of setup.
        Assert.Equal(6, simulation.Neighbors.BuildCount);
        output.WriteLine($"max relative difference to LAMMPS: {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
    }
}
