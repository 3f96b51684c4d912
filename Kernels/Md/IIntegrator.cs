namespace Dataflow.Kernels.Md;

/// <summary>A time integrator split the way LAMMPS splits a step (docs.lammps.org/Developer_flow.html): an
/// initial half before forces are recomputed, a final half after.</summary>
/// <remarks>A step of <see cref="MdSimulation"/>: Step++, <see cref="InitialIntegrate"/>, neighbour lists rebuilt
/// if due, forces computed, <see cref="FinalIntegrate"/>, thermo output.</remarks>
public interface IIntegrator
{
    /// <summary>Short name, e.g. <c>nve</c>.</summary>
    string Name { get; }

    /// <summary>Called before a run of steps <paramref name="firstStep"/>+1 to <paramref name="lastStep"/>, after
    /// the forces of the current positions are known (LAMMPS <c>Fix::setup</c>).</summary>
    void Setup(MdState state, ReadOnlySpan<double> forces, long firstStep, long lastStep);

    /// <summary>First half of a step: velocities by half a step from the old forces, positions by a full step
    /// (LAMMPS <c>initial_integrate</c>).</summary>
    void InitialIntegrate(MdState state, ReadOnlySpan<double> forces);

    /// <summary>Second half: velocities by half a step from the new forces (LAMMPS <c>final_integrate</c>).</summary>
    void FinalIntegrate(MdState state, ReadOnlySpan<double> forces);
}
