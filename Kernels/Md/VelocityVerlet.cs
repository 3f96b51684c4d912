namespace Dataflow.Kernels.Md;

/// <summary>Constant-energy velocity-Verlet integration, LAMMPS' <c>fix nve</c> (docs.lammps.org/fix_nve.html).</summary>
/// <remarks>As src/fix_nve.cpp: dtf = dt/2 * ftm2v; initial: v += dtf/m f, x += dt v; final: v += dtf/m f.</remarks>
public sealed class VelocityVerlet : IIntegrator
{
    /// <inheritdoc/>
    public string Name => "nve";

    /// <inheritdoc/>
    public void Setup(MdState state, ReadOnlySpan<double> forces, long firstStep, long lastStep)
    {
    }

    /// <inheritdoc/>
    public void InitialIntegrate(MdState state, ReadOnlySpan<double> forces)
    {
        ArgumentNullException.ThrowIfNull(state);
        KickHalfStep(state, forces);
        var dtv = state.Timestep;
        var x = state.Positions;
        var v = state.Velocities;
        for (var k = 0; k < x.Length; k++)
        {
            x[k] += dtv * v[k];
        }
    }

    /// <inheritdoc/>
    public void FinalIntegrate(MdState state, ReadOnlySpan<double> forces)
    {
        ArgumentNullException.ThrowIfNull(state);
        KickHalfStep(state, forces);
    }

    /// <summary>v += dt/2 * f/m * ftm2v for every atom (fix nve's velocity half step, FixNH::nve_v).</summary>
    public static void KickHalfStep(MdState state, ReadOnlySpan<double> forces)
    {
        ArgumentNullException.ThrowIfNull(state);
        Kick(0.5 * state.Timestep * state.Units.Ftm2v, state.Masses, state.Types, state.Velocities, forces);
    }

    /// <summary>v += dtf / m F for each atom (dtf = dt/2 ftm2v for a half step), over any set of atoms: a whole
    /// state or a domain's owned atoms.</summary>
    /// <param name="dtf">Half timestep times the unit style's ftm2v.</param>
    /// <param name="masses">Mass per type (index type - 1).</param>
    /// <param name="types">Atom types, from 1.</param>
    /// <param name="velocities">Velocities, interleaved xyz; updated.</param>
    /// <param name="forces">Forces, interleaved xyz.</param>
    public static void Kick(double dtf, ReadOnlySpan<double> masses, ReadOnlySpan<int> types, Span<double> velocities,
        ReadOnlySpan<double> forces)
    {
        for (var i = 0; i < types.Length; i++)
        {
            var dtfm = dtf / masses[types[i] - 1];
            velocities[3 * i] += dtfm * forces[3 * i];
            velocities[3 * i + 1] += dtfm * forces[3 * i + 1];
            velocities[3 * i + 2] += dtfm * forces[3 * i + 2];
        }
    }
}
