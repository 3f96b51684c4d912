using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

public sealed class IntegratorSpec
{
    private static readonly NeighborSettings s_exactLists = new() { SkinDistance = 0.3, Every = 1, Delay = 0, Check = true };

    [Fact]
    public void Velocity_Verlet_conserves_energy_with_second_order_error()
    {
        // Same physical time (0.5 tau) at dt and dt/2: velocity Verlet's energy error scales as dt^2, so the largest
        // excursion of etotal from its start shrinks about fourfold. The pair energy is shifted so that pairs crossing
        // the cutoff do not make it jump; the start is the melting fcc lattice, the stiffest part of the run.
        var coarse = EnergyExcursion(0.005, 100);
        var fine = EnergyExcursion(0.0025, 200);
        Assert.True(coarse < 2e-3, $"dt 0.005: etotal/atom moved {coarse:E2}");
        Assert.InRange(coarse / fine, 3.0, 5.5);
    }

    [Fact]
    public void Velocity_Verlet_retraces_its_path_when_velocities_are_reversed()
    {
        var system = MdTestSystems.Reference("lj-500.data");
        var start = Unwrapped(system);
        var state = new MdState(system, UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5, options: new PairComputeOptions { Threads = 1 });
        var simulation = new MdSimulation(state, [pair], new VelocityVerlet(), s_exactLists, 1);
        simulation.Run(60);
        for (var k = 0; k < system.Velocities.Length; k++)
        {
            system.Velocities[k] = -system.Velocities[k];
        }
        simulation.Run(60);
        var end = Unwrapped(system);
        var moved = start.Zip(end, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(moved < 1e-9, $"largest distance from the start after going back: {moved:E2}");
    }

    [Fact]
    public void Nose_Hoover_chain_conserves_its_extended_energy_while_pulling_the_temperature_to_the_target()
    {
        // The NVT invariant: etotal + chain energy (FixNH::compute_scalar, Martyna et al. eq. 2) is constant to the
        // integrator's accuracy while etotal itself changes by far more. Shifted pair energy: no jumps at the cutoff.
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5, shift: true, options: new PairComputeOptions { Threads = 1 });
        var thermostat = new NoseHooverChain(2.0, 2.0, 0.1);
        var simulation = new MdSimulation(state, [pair], thermostat, s_exactLists, 1) { NormalizeThermo = false };
        var energies = new List<double>();
        var extended = new List<double>();
        var temperatures = new List<double>();
        simulation.Run(300, 1, s =>
        {
            energies.Add(s.TotalEnergy);
            extended.Add(s.TotalEnergy + thermostat.ChainEnergy(state));
            temperatures.Add(s.Temperature);
        });
        var etotalChange = energies.Max() - energies.Min();
        var extendedChange = extended.Max() - extended.Min();
        Assert.True(etotalChange > 500, $"etotal changed by {etotalChange}");
        Assert.True(extendedChange < 1e-3 * etotalChange, $"extended energy changed by {extendedChange}, etotal by {etotalChange}");
        Assert.InRange(temperatures.Skip(200).Average(), 1.8, 2.2);
    }

    private static double EnergyExcursion(double dt, int steps)
    {
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj, dt);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5, shift: true, options: new PairComputeOptions { Threads = 1 });
        var simulation = new MdSimulation(state, [pair], new VelocityVerlet(), s_exactLists, 1);
        var energies = new List<double>();
        simulation.Run(steps, 1, s => energies.Add(s.TotalEnergy));
        return energies.Max(e => Math.Abs(e - energies[0]));
    }

    private static double[] Unwrapped(MdSystem system)
    {
        var lengths = new[] { system.Box.LengthX, system.Box.LengthY, system.Box.LengthZ };
        return system.Positions.Select((x, k) => x + system.Images[k] * lengths[k % 3]).ToArray();
    }
}
