using Dataflow.Kernels.Train;

namespace Dataflow.Kernels.Md;

/// <summary>A Langevin thermostat, LAMMPS' <c>fix langevin Tstart Tstop damp seed</c>
/// (docs.lammps.org/fix_langevin.html), as a force provider: a drag and a random force on every atom, to be
/// integrated with <see cref="VelocityVerlet"/> (LAMMPS' <c>fix nve</c>).</summary>
/// <remarks>
/// <para>Per atom and component, as LAMMPS' src/fix_langevin.cpp (<c>init</c>, <c>post_force</c>) with per-type
/// masses: F_f = gamma1 v with gamma1 = -m / damp / ftm2v, F_r = gamma2 (u - 1/2) with
/// gamma2 = sqrt(m) sqrt(24 kB / (damp dt mvv2e)) / ftm2v * sqrt(T) and u uniform in [0, 1), so that F_r has the
/// variance 2 m kB T / (damp dt) of the fluctuation-dissipation theorem. It is computed where LAMMPS'
/// <c>post_force</c> runs: in the run's setup from the current velocities, then on every step after the
/// positions moved, from the half-step velocities; velocity Verlet applies it in the final half kick of that step
/// and the first half kick of the next. No energy and no virial are added (LAMMPS' defaults, <c>tally no</c>).
/// The target ramps linearly from <see cref="StartTemperature"/> to <see cref="StopTemperature"/> over each
/// run (<c>compute_target</c>).</para>
/// <para>Random numbers: u of atom <c>id</c>, component c (0, 1, 2 for x, y, z) at step n is
/// <see cref="Uniform"/>(seed, n, id, c), value 3 id + c of the <see cref="CounterRandom"/> stream keyed by
/// (seed, n): a pure function of those four numbers, unlike LAMMPS' per-process Marsaglia generator. The force
/// on an atom therefore does not depend on where the atom is stored or which domain or thread computes it, and
/// <see cref="AddForces"/> can be called on any subset of the atoms. The trajectories differ from LAMMPS' for
/// the same seed.</para>
/// <para>A damping time of +infinity gives zero drag and zero noise: the run is then fix nve's.</para>
/// </remarks>
public sealed class LangevinThermostat : IRunAwareForceProvider
{
    // "LANGEVIN" in ASCII: separates these streams from other users of CounterRandom with the same seed.
    private const ulong Purpose = 0x4C414E4745564E49UL;

    private long _beginStep;
    private long _endStep;

    /// <summary>A thermostat ramping from <paramref name="startTemperature"/> to <paramref name="stopTemperature"/>
    /// over each run with damping time <paramref name="dampingTime"/> and random seed <paramref name="seed"/>.</summary>
    /// <param name="startTemperature">Target at the start of a run, temperature units; 0 or more.</param>
    /// <param name="stopTemperature">Target at its end.</param>
    /// <param name="dampingTime">Relaxation time of the velocities (<c>damp</c>), time units; LAMMPS suggests
    /// about 100 timesteps. +infinity turns the thermostat off.</param>
    /// <param name="seed">Seed of the random force, positive as LAMMPS requires.</param>
    public LangevinThermostat(double startTemperature, double stopTemperature, double dampingTime, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startTemperature);
        ArgumentOutOfRangeException.ThrowIfNegative(stopTemperature);
        if (double.IsNaN(startTemperature) || double.IsNaN(stopTemperature) || double.IsPositiveInfinity(startTemperature)
            || double.IsPositiveInfinity(stopTemperature))
        {
            throw new ArgumentOutOfRangeException(nameof(startTemperature), "temperatures must be finite");
        }
        if (!(dampingTime > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(dampingTime), dampingTime, "the damping time must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seed);
        StartTemperature = startTemperature;
        StopTemperature = stopTemperature;
        DampingTime = dampingTime;
        Seed = seed;
    }

    /// <inheritdoc/>
    public string Name => "langevin";

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => null;

    /// <summary>Target at the start of each run, temperature units.</summary>
    public double StartTemperature { get; }

    /// <summary>Target at the end of each run, temperature units.</summary>
    public double StopTemperature { get; }

    /// <summary>Damping time, time units.</summary>
    public double DampingTime { get; }

    /// <summary>Seed of the random force.</summary>
    public int Seed { get; }

    /// <inheritdoc/>
    public void BeginRun(MdState state, long firstStep, long lastStep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lastStep, firstStep);
        _beginStep = firstStep;
        _endStep = lastStep;
    }

    /// <summary>Target temperature at <paramref name="step"/> of the current run (LAMMPS
    /// <c>FixLangevin::compute_target</c>); <see cref="StartTemperature"/> before any run.</summary>
    public double TargetTemperature(long step)
    {
        double delta = step - _beginStep;
        delta = _endStep > _beginStep ? delta / (_endStep - _beginStep) : 0.0;
        return StartTemperature + delta * (StopTemperature - StartTemperature);
    }

    /// <summary>What the force of <paramref name="state"/>'s current step depends on besides the atoms.</summary>
    public LangevinStep StepOf(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new LangevinStep(Seed, state.Step, TargetTemperature(state.Step), DampingTime, state.Timestep, state.Units);
    }

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        if (result.AtomCount != state.AtomCount)
        {
            throw new ArgumentException($"the result covers {result.AtomCount} atoms, the state {state.AtomCount}", nameof(result));
        }
        AddForces(StepOf(state), state.Masses, state.Ids, state.Types, state.Velocities, result.Forces);
    }

    /// <summary>Adds the Langevin drag and random force of <paramref name="step"/> to each atom of a set: all atoms
    /// of a state, or the atoms one domain owns. Each atom's force depends only on its id, type and velocity and
    /// on <paramref name="step"/>, so any split of the atoms gives the same forces, bit for bit.</summary>
    /// <param name="step">Seed, step number, target temperature, damping time, timestep and units.</param>
    /// <param name="masses">Mass per type, index type - 1, mass units.</param>
    /// <param name="ids">Global atom ids of the set.</param>
    /// <param name="types">Their types, from 1.</param>
    /// <param name="velocities">Their velocities, interleaved xyz, velocity units (half-step velocities during a
    /// step, as LAMMPS' <c>post_force</c> sees them).</param>
    /// <param name="forces">Their forces, interleaved xyz, force units; the Langevin force is added.</param>
    public static void AddForces(
        in LangevinStep step, ReadOnlySpan<double> masses, ReadOnlySpan<int> ids, ReadOnlySpan<int> types,
        ReadOnlySpan<double> velocities, Span<double> forces)
    {
        ArgumentNullException.ThrowIfNull(step.Units);
        var n = ids.Length;
        if (types.Length != n || velocities.Length != 3 * n || forces.Length != 3 * n)
        {
            throw new ArgumentException(
                $"{n} ids, {types.Length} types, {velocities.Length} velocity and {forces.Length} force components: expected N, N, 3N, 3N");
        }
        // FixLangevin::init, per type: gfactor1 = -m / damp / ftm2v, gfactor2 = sqrt(m) sqrt(24 kB / damp / dt / mvv2e)
        // / ftm2v; post_force multiplies gfactor2 by sqrt(T).
        var units = step.Units;
        var tsqrt = Math.Sqrt(step.Temperature);
        Span<double> gamma1 = masses.Length <= 32 ? stackalloc double[masses.Length] : new double[masses.Length];
        Span<double> gamma2 = masses.Length <= 32 ? stackalloc double[masses.Length] : new double[masses.Length];
        for (var t = 0; t < masses.Length; t++)
        {
            gamma1[t] = -masses[t] / step.DampingTime / units.Ftm2v;
            gamma2[t] = Math.Sqrt(masses[t]) * Math.Sqrt(24.0 * units.Boltzmann / step.DampingTime / step.Timestep / units.Mvv2e)
                / units.Ftm2v * tsqrt;
        }
        var key = StreamKey(step.Seed, step.Step);
        for (var i = 0; i < n; i++)
        {
            var g1 = gamma1[types[i] - 1];
            var g2 = gamma2[types[i] - 1];
            var counter = 3 * (ulong)(uint)ids[i];
            for (var c = 0; c < 3; c++)
            {
                var k = 3 * i + c;
                forces[k] += g1 * velocities[k] + g2 * (CounterRandom.Uniform(key, counter + (ulong)c) - 0.5);
            }
        }
    }

    /// <summary>The uniform number in [0, 1) behind the random force on atom <paramref name="id"/>, component
    /// <paramref name="component"/> (0, 1, 2 for x, y, z), at step <paramref name="step"/>.</summary>
    public static double Uniform(int seed, long step, int id, int component)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(component);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(component, 2);
        return CounterRandom.Uniform(StreamKey(seed, step), 3 * (ulong)(uint)id + (ulong)component);
    }

    // One SplitMix64 stream per (seed, step); value 3 id + c is atom id's component c. Consecutive values of a
    // SplitMix64 stream are as independent as its sequential output, which passes BigCrush.
    private static ulong StreamKey(int seed, long step) => CounterRandom.Key(seed, Purpose, step);
}
