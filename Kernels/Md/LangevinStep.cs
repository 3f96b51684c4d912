namespace Dataflow.Kernels.Md;

/// <summary>What the Langevin force of one step depends on besides the atoms: the input of
/// <see cref="LangevinThermostat.AddForces"/>.</summary>
/// <param name="Seed">Seed of the random force.</param>
/// <param name="Step">Step number the force belongs to (LAMMPS <c>update->ntimestep</c>).</param>
/// <param name="Temperature">Target temperature at that step, temperature units.</param>
/// <param name="DampingTime">Damping time, time units; +infinity for no drag and no noise.</param>
/// <param name="Timestep">Timestep size, time units.</param>
/// <param name="Units">Unit style: kB, mvv2e, ftm2v.</param>
public readonly record struct LangevinStep(
    int Seed, long Step, double Temperature, double DampingTime, double Timestep, UnitSystem Units);
