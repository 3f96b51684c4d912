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
        var dtf = 0.5 * state.Timestep * state.Units.Ftm2v;
        var v = state.Velocities;
        var types = state.Types;
        var masses = state.Masses;
        for (var i = 0; i < types.Length; i++)
        {
            var dtfm = dtf / masses[types[i] - 1];
            v[3 * i] += dtfm * forces[3 * i];
            v[3 * i + 1] += dtfm * forces[3 * i + 1];
            v[3 * i + 2] += dtfm * forces[3 * i + 2];
        }
    }
}
