namespace Dataflow.Kernels.Md;

/// <summary>A force provider whose force depends on where the current run starts and ends, such as a thermostat
/// whose target temperature ramps over a run (LAMMPS fixes that read <c>update->beginstep</c> and
/// <c>update->endstep</c>).</summary>
/// <remarks><see cref="MdSimulation.Run"/> calls <see cref="BeginRun"/> once per run, before the forces of the
/// first step are computed, as LAMMPS calls <c>Fix::init</c> and <c>Fix::setup</c>.</remarks>
public interface IRunAwareForceProvider : IForceProvider
{
    /// <summary>A run of steps <paramref name="firstStep"/>+1 to <paramref name="lastStep"/> is about to start
    /// from <paramref name="state"/> at step <paramref name="firstStep"/>.</summary>
    void BeginRun(MdState state, long firstStep, long lastStep);
}
