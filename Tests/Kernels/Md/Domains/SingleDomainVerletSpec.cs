using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>The whole box as one domain with ghosts, stepped with the domain list and loop, reproduces LAMMPS'
/// in.lj-500 run, and its trajectory has the same bits on any number of threads.</summary>
public sealed class SingleDomainVerletSpec(ITestOutputHelper output)
{
    [Fact]
    public void Lj_melt_of_500_atoms_matches_LAMMPS_thermo_and_the_same_bits_on_1_and_2_threads()
    {
        // Reference: in.lj-500 (bench/in.lj at 5x5x5 cells) -> lj-500.data, log.lj-500.
        var expected = MdTestSystems.ReferenceThermo("log.lj-500", normalized: true);
        var positions = new List<double[]>();
        foreach (var threads in new[] { 1, 2 })
        {
            var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
            using var lj = LennardJonesCut.SingleType(1.0, 1.0, 2.5);
            var run = new SingleDomainVerlet(state, DomainPairStyles.Create(lj, state.Units, threads), 0.3, 20, threads);
            var actual = new List<ThermoSample>();
            run.Run(100, 10, actual.Add);
            Assert.Equal(expected.Count, actual.Count);
            for (var k = 0; k < expected.Count; k++)
            {
                // Measured: 3.8e-13 on 1 and 2 threads.
                MdTestSystems.ThermoClose(expected[k], actual[k], 2e-12);
            }
            Assert.True(run.List.LocalCount > state.AtomCount, "the domain should hold ghosts");
            output.WriteLine($"{threads} thread(s): max relative difference to LAMMPS {MdTestSystems.MaxRelativeDifference(expected, actual):E2}");
            positions.Add([.. state.Positions, .. state.Velocities]);
        }
        Assert.Equal(positions[0].Select(BitConverter.DoubleToInt64Bits), positions[1].Select(BitConverter.DoubleToInt64Bits));
    }
}
