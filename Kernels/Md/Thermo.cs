namespace Dataflow.Kernels.Md;

/// <summary>LAMMPS' thermodynamic output: temperature, kinetic energy and pressure of a state, exactly as LAMMPS
/// computes them.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>Temperature (compute temp, docs.lammps.org/compute_temp.html): T = sum m v^2 * mvv2e / (dof kB), with
/// dof = 3N - 3: LAMMPS removes the centre-of-mass degrees of freedom by default (<c>extra_dof</c> = 3).</item>
/// <item>Kinetic energy (thermo keyword <c>ke</c>): T * dof kB / 2, which is sum m v^2 mvv2e / 2.</item>
/// <item>Pressure (compute pressure, docs.lammps.org/compute_pressure.html):
/// P = (dof kB T + W_xx + W_yy + W_zz) / (3 V) * nktv2p. LAMMPS uses dof kB T, that is twice the kinetic energy,
/// not N kB T: with dof = 3N - 3 the two differ by 3 kB T / (3V).</item>
/// <item>Normalisation (docs.lammps.org/thermo_modify.html): <c>norm yes</c> is the default for lj units only;
/// then pe, ke and etotal are per atom. Metal and real units print totals. Pressure and temperature are never
/// normalised.</item>
/// </list>
/// </remarks>
public static class Thermo
{
    /// <summary>Degrees of freedom of the temperature: 3N - 3, less those <paramref name="constrained"/> removes (fix
    /// shake's fix_dof); 0 at least.</summary>
    public static double DegreesOfFreedom(int atomCount, int constrained = 0) => Math.Max(0.0, 3.0 * atomCount - 3.0 - constrained);

    /// <summary>Kinetic temperature of <paramref name="atomCount"/> atoms whose sum of m v^2 is
    /// <paramref name="massVelocitySquared"/>, temperature units (ComputeTemp::compute_scalar).</summary>
    /// <param name="atomCount">Atoms.</param>
    /// <param name="units">Unit style.</param>
    /// <param name="massVelocitySquared">sum m v^2.</param>
    /// <param name="constrained">Degrees of freedom removed by constraints.</param>
    public static double TemperatureFromTotal(int atomCount, UnitSystem units, double massVelocitySquared, int constrained = 0)
    {
        ArgumentNullException.ThrowIfNull(units);
        var dof = DegreesOfFreedom(atomCount, constrained);
        // ComputeTemp::dof_compute: tfactor = mvv2e / (dof * boltz), 0 when dof <= 0.
        var tfactor = dof > 0 ? units.Mvv2e / (dof * units.Boltzmann) : 0.0;
        return massVelocitySquared * tfactor;
    }

    /// <summary>Kinetic temperature of <paramref name="state"/>, temperature units.</summary>
    public static double Temperature(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var dof = DegreesOfFreedom(state.AtomCount);
        // ComputeTemp::dof_compute: tfactor = mvv2e / (dof * boltz), 0 when dof <= 0.
        var tfactor = dof > 0 ? state.Units.Mvv2e / (dof * state.Units.Boltzmann) : 0.0;
        return MassVelocitySquared(state) * tfactor;
    }

    /// <summary>sum over atoms of m v^2, mass times velocity squared units.</summary>
    public static double MassVelocitySquared(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var v = state.Velocities;
        var types = state.Types;
        var masses = state.Masses;
        var sum = 0.0;
        for (var i = 0; i < types.Length; i++)
        {
            sum += (v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] + v[3 * i + 2] * v[3 * i + 2]) * masses[types[i] - 1];
        }
        return sum;
    }

    /// <summary>The thermo line of <paramref name="state"/> with potential energy <paramref name="potentialEnergy"/>
    /// and virial <paramref name="virial"/> (both totals, energy units).</summary>
    /// <param name="state">Velocities, box, units.</param>
    /// <param name="potentialEnergy">Total potential energy.</param>
    /// <param name="virial">Total virial, xx yy zz xy xz yz.</param>
    /// <param name="normalize">Divide extensive values by N; null takes LAMMPS' default for the unit style.</param>
    public static ThermoSample Sample(MdState state, double potentialEnergy, ReadOnlySpan<double> virial, bool? normalize = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        return FromTotals(state.Step, state.AtomCount, state.Units, state.Box.Volume, MassVelocitySquared(state),
            potentialEnergy, virial, normalize);
    }

    /// <summary>The thermo line from totals over all atoms, wherever they were summed (one process or many domains).</summary>
    /// <param name="step">Step number.</param>
    /// <param name="atomCount">Number of atoms.</param>
    /// <param name="units">Unit style.</param>
    /// <param name="volume">Box volume.</param>
    /// <param name="massVelocitySquared">sum over atoms of m v^2.</param>
    /// <param name="potentialEnergy">Total potential energy.</param>
    /// <param name="virial">Total virial, xx yy zz xy xz yz.</param>
    /// <param name="normalize">Divide extensive values by N; null takes LAMMPS' default for the unit style.</param>
    /// <param name="constrained">Degrees of freedom removed by constraints (fix shake).</param>
    public static ThermoSample FromTotals(long step, int atomCount, UnitSystem units, double volume, double massVelocitySquared,
        double potentialEnergy, ReadOnlySpan<double> virial, bool? normalize = null, int constrained = 0)
    {
        ArgumentNullException.ThrowIfNull(units);
        var norm = normalize ?? units.NormalizesThermoByDefault;
        var dof = DegreesOfFreedom(atomCount, constrained);
        // ComputeTemp::dof_compute: tfactor = mvv2e / (dof * boltz), 0 when dof <= 0.
        var tfactor = dof > 0 ? units.Mvv2e / (dof * units.Boltzmann) : 0.0;
        var t = massVelocitySquared * tfactor;
        // Thermo::compute_ke: ke = T * 0.5 * dof * boltz.
        var ke = t * (0.5 * dof * units.Boltzmann);
        // ComputePressure::compute_scalar.
        var pressure = (dof * units.Boltzmann * t + virial[0] + virial[1] + virial[2]) / 3.0 * (1.0 / volume) * units.Nktv2p;
        var pe = potentialEnergy;
        if (norm && atomCount > 0)
        {
            pe /= atomCount;
            ke /= atomCount;
        }
        // Thermo::compute_etotal: pe + ke, each already normalised.
        return new ThermoSample(step, t, pe, ke, pe + ke, pressure, norm);
    }
}
