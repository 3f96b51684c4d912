using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

public sealed class ThermoSpec
{
    [Theory]
    [InlineData("metal", 1e-2, 1e5)] // velocities in A/ps, pressure in bar
    [InlineData("real", 1e-5, 101325.0)] // velocities in A/fs, pressure in atm
    public void Temperature_and_ideal_gas_pressure_match_SI_kinetic_theory(string unitName, double metresPerSecondToVelocity, double pascalPerPressure)
    {
        // Four argon atoms, each with m v^2 = 3 kB (300 K) and no net momentum: 12 velocity components, 9 degrees of
        // freedom once the centre of mass is removed, so T = (4 * 3 kB 300 K) / (9 kB) = 400 K; an ideal gas
        // (no forces) has P V = dof kB T / 3 = 4 kB 300 K.
        const double kB = 1.3806504e-23, amu = 1.660538782e-27, mass = 39.948;
        var speed = Math.Sqrt(3 * kB * 300 / (mass * amu)) * metresPerSecondToVelocity;
        var system = new MdSystem(
            OrthogonalBox.FromLengths(20, 20, 20), 1, [1, 2, 3, 4], [1, 1, 1, 1], new double[12],
            [speed, 0, 0, -speed, 0, 0, 0, speed, 0, 0, -speed, 0], masses: [mass]);
        var state = new MdState(system, UnitSystem.Parse(unitName));
        var sample = Thermo.Sample(state, 0.0, new double[6]);
        MdTestSystems.Close(400.0, sample.Temperature, 2e-7, "temperature");
        var pressureSi = 4 * kB * 300 / (8000 * 1e-30);
        MdTestSystems.Close(pressureSi / pascalPerPressure, sample.Pressure, 2e-7, "pressure");
        Assert.False(sample.Normalized);
        Assert.Equal(sample.KineticEnergy, sample.TotalEnergy);
    }

    [Fact]
    public void Lj_units_report_energies_per_atom_by_default_and_totals_when_asked()
    {
        // log.lj-500 step 0: temp 1.44 exactly as velocity create set it; ke per atom = 1.5 T (3N-3)/N.
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
        var perAtom = Thermo.Sample(state, -3386.684026627328, [-1000, -1000, -1000, 0, 0, 0]);
        MdTestSystems.Close(1.44, perAtom.Temperature, 1e-14, "temp");
        MdTestSystems.Close(0.5 * 1.44 * 1497 / 500, perAtom.KineticEnergy, 1e-14, "ke");
        MdTestSystems.Close(-3386.684026627328 / 500, perAtom.PotentialEnergy, 1e-15, "pe");
        Assert.True(perAtom.Normalized);
        var totals = Thermo.Sample(state, -3386.684026627328, [-1000, -1000, -1000, 0, 0, 0], normalize: false);
        MdTestSystems.Close(perAtom.TotalEnergy * 500, totals.TotalEnergy, 1e-14, "etotal");
        Assert.Equal(perAtom.Pressure, totals.Pressure);
        // P = (dof kB T + W_xx + W_yy + W_zz) / 3V: here (1497 * 1.44 - 3000) / (3 * 8.398^3).
        MdTestSystems.Close((1497 * 1.44 - 3000) / (3 * state.Box.Volume), totals.Pressure, 1e-13, "press");
        Assert.Equal(0.0, Thermo.DegreesOfFreedom(1));
    }
}
