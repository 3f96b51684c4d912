namespace Dataflow.Kernels.Md;

/// <summary>Constant-temperature integration with a Nose-Hoover chain thermostat, LAMMPS' <c>fix nvt temp Tstart
/// Tstop Tdamp</c> (docs.lammps.org/fix_nh.html).</summary>
/// <remarks>
/// <para>The equations of motion of Martyna, Tuckerman, Tobias and Klein, Mol. Phys. 87, 1117 (1996), integrated
/// as LAMMPS' src/fix_nh.cpp does: each half step first advances the chain (<c>nhc_temp_integrate</c>: a
/// Trotter split of the chain variables, thermostat masses Q_1 = dof kB T / (1/Tdamp)^2 and
/// Q_k = kB T / (1/Tdamp)^2, re-evaluated every half step as <c>eta_mass_flag</c> does), scales the velocities
/// by exp(-dt/2 eta_dot_1), and then makes fix nve's velocity and position updates. The target temperature
/// ramps linearly from <see cref="StartTemperature"/> to <see cref="StopTemperature"/> over a run.</para>
/// <para>Defaults as LAMMPS': a chain of 3 (<c>tchain</c>), one loop (<c>tloop</c>), no drag. The temperature is
/// the whole system's with 3N - 3 degrees of freedom (see <see cref="Thermo"/>).</para>
/// </remarks>
public sealed class NoseHooverChain : IIntegrator
{
    private readonly double _tFrequency;
    private readonly int _chain;
    private readonly int _loops;
    private readonly double[] _eta;
    private readonly double[] _etaDot;
    private readonly double[] _etaDotDot;
    private readonly double[] _etaMass;
    private double _tdof;
    private double _tTarget;
    private double _keTarget;
    private double _tCurrent;
    private long _beginStep;
    private long _endStep;

    /// <summary>A thermostat ramping from <paramref name="startTemperature"/> to <paramref name="stopTemperature"/>
    /// with damping time <paramref name="dampingTime"/> (time units; LAMMPS suggests about 100 timesteps).</summary>
    /// <param name="startTemperature">Target at the start of a run, temperature units.</param>
    /// <param name="stopTemperature">Target at its end.</param>
    /// <param name="dampingTime">Relaxation time of the thermostat (<c>Tdamp</c>).</param>
    /// <param name="chainLength">Thermostats in the chain (<c>tchain</c>), default 3.</param>
    /// <param name="loops">Sub-cycles per half step (<c>tloop</c>), default 1.</param>
    /// <param name="drag">Damping of the chain velocities (<c>drag</c>), default 0.</param>
    public NoseHooverChain(
        double startTemperature, double stopTemperature, double dampingTime, int chainLength = 3, int loops = 1, double drag = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(startTemperature);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stopTemperature);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dampingTime);
        ArgumentOutOfRangeException.ThrowIfLessThan(chainLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(loops, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(drag);
        StartTemperature = startTemperature;
        StopTemperature = stopTemperature;
        DampingTime = dampingTime;
        Drag = drag;
        _tFrequency = 1.0 / dampingTime;
        _chain = chainLength;
        _loops = loops;
        _eta = new double[chainLength];
        // One extra, always zero, so that the last thermostat's update can read eta_dot[ich + 1].
        _etaDot = new double[chainLength + 1];
        _etaDotDot = new double[chainLength];
        _etaMass = new double[chainLength];
    }

    /// <inheritdoc/>
    public string Name => "nvt";

    /// <summary>Target temperature at the start of each run.</summary>
    public double StartTemperature { get; }

    /// <summary>Target temperature at the end of each run.</summary>
    public double StopTemperature { get; }

    /// <summary>Thermostat damping time, time units.</summary>
    public double DampingTime { get; }

    /// <summary>Drag factor of the chain.</summary>
    public double Drag { get; }

    /// <summary>Positions of the chain thermostats (LAMMPS <c>eta</c>).</summary>
    public IReadOnlyList<double> Eta => _eta;

    /// <summary>Velocities of the chain thermostats (LAMMPS <c>eta_dot</c>).</summary>
    public IReadOnlyList<double> EtaDot => new ArraySegment<double>(_etaDot, 0, _chain);

    /// <summary>Energy of the chain, the term that makes the extended energy conserved (LAMMPS
    /// <c>FixNH::compute_scalar</c>, Martyna et al. eq. 2): ke_target eta_1 + sum_k>1 kB T eta_k
    /// + sum_k Q_k eta_dot_k^2 / 2; energy units, a total (never normalised).</summary>
    public double ChainEnergy(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var kt = state.Units.Boltzmann * _tTarget;
        var energy = _keTarget * _eta[0] + 0.5 * _etaMass[0] * _etaDot[0] * _etaDot[0];
        for (var ich = 1; ich < _chain; ich++)
        {
            energy += kt * _eta[ich] + 0.5 * _etaMass[ich] * _etaDot[ich] * _etaDot[ich];
        }
        return energy;
    }

    /// <inheritdoc/>
    public void Setup(MdState state, ReadOnlySpan<double> forces, long firstStep, long lastStep)
    {
        ArgumentNullException.ThrowIfNull(state);
        Begin(state.AtomCount, Thermo.Temperature(state), state.Units, state.Step, firstStep, lastStep);
    }

    /// <summary>FixNH::setup from whole-system values: <paramref name="temperature"/> of
    /// <paramref name="atomCount"/> atoms at <paramref name="step"/>, a run from <paramref name="firstStep"/> to
    /// <paramref name="lastStep"/>. What spatial domains call, each with the same global temperature.</summary>
    /// <param name="atomCount">Atoms.</param>
    /// <param name="temperature">Whole-system temperature.</param>
    /// <param name="units">Unit style.</param>
    /// <param name="step">Current step.</param>
    /// <param name="firstStep">The run's first step.</param>
    /// <param name="lastStep">The run's last step.</param>
    /// <param name="constrained">Degrees of freedom removed by constraints (the temperature compute's fix_dof).</param>
    public void Begin(int atomCount, double temperature, UnitSystem units, long step, long firstStep, long lastStep, int constrained = 0)
    {
        ArgumentNullException.ThrowIfNull(units);
        _beginStep = firstStep;
        _endStep = lastStep;
        _tdof = Thermo.DegreesOfFreedom(atomCount, constrained);
        ComputeTargetTemperature(step, units.Boltzmann);
        _tCurrent = temperature;
        var boltz = units.Boltzmann;
        _etaMass[0] = _tdof * boltz * _tTarget / (_tFrequency * _tFrequency);
        for (var ich = 1; ich < _chain; ich++)
        {
            _etaMass[ich] = boltz * _tTarget / (_tFrequency * _tFrequency);
        }
        for (var ich = 1; ich < _chain; ich++)
        {
            _etaDotDot[ich] = (_etaMass[ich - 1] * _etaDot[ich - 1] * _etaDot[ich - 1] - boltz * _tTarget) / _etaMass[ich];
        }
    }

    /// <inheritdoc/>
    public void InitialIntegrate(MdState state, ReadOnlySpan<double> forces)
    {
        ArgumentNullException.ThrowIfNull(state);
        // FixNH::initial_integrate without a barostat.
        ThermostatHalfStep(state.Step, state.Units, state.Timestep, state.Velocities);
        VelocityVerlet.KickHalfStep(state, forces);
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
        // FixNH::final_integrate without a barostat.
        VelocityVerlet.KickHalfStep(state, forces);
        ThermostatFinalHalfStep(state.AtomCount, Thermo.Temperature(state), state.Units, state.Timestep, state.Velocities);
    }

    /// <summary>The thermostat's part of FixNH::initial_integrate at <paramref name="step"/> (the step being made):
    /// new target, chain half step, <paramref name="velocities"/> scaled. Before fix nve's kick and drift.</summary>
    public void ThermostatHalfStep(long step, UnitSystem units, double timestep, Span<double> velocities)
    {
        ArgumentNullException.ThrowIfNull(units);
        ComputeTargetTemperature(step, units.Boltzmann);
        IntegrateChain(units.Boltzmann, timestep, velocities);
    }

    /// <summary>The thermostat's part of FixNH::final_integrate, after fix nve's kick: the chain half step from the
    /// whole system's <paramref name="temperature"/> (<paramref name="atomCount"/> atoms), <paramref name="velocities"/>
    /// scaled.</summary>
    /// <param name="atomCount">Atoms.</param>
    /// <param name="temperature">Whole-system temperature.</param>
    /// <param name="units">Unit style.</param>
    /// <param name="timestep">Timestep.</param>
    /// <param name="velocities">Owned velocities, scaled.</param>
    /// <param name="constrained">Degrees of freedom removed by constraints.</param>
    public void ThermostatFinalHalfStep(int atomCount, double temperature, UnitSystem units, double timestep, Span<double> velocities,
        int constrained = 0)
    {
        ArgumentNullException.ThrowIfNull(units);
        _tCurrent = temperature;
        _tdof = Thermo.DegreesOfFreedom(atomCount, constrained);
        IntegrateChain(units.Boltzmann, timestep, velocities);
    }

    /// <summary>The chain's state after a step (eta, eta_dot, eta_dotdot, the current temperature and the run's
    /// first and last steps): what a checkpoint keeps so that a restart continues bit for bit.</summary>
    public double[] SaveState()
    {
        var state = new double[3 * _chain + 3];
        _eta.CopyTo(state, 0);
        Array.Copy(_etaDot, 0, state, _chain, _chain);
        _etaDotDot.CopyTo(state, 2 * _chain);
        state[3 * _chain] = _tCurrent;
        state[3 * _chain + 1] = _beginStep;
        state[3 * _chain + 2] = _endStep;
        return state;
    }

    /// <summary>Restores <see cref="SaveState"/>'s values for a chain over <paramref name="atomCount"/> atoms.</summary>
    /// <exception cref="ArgumentException">The state is of a chain of another length.</exception>
    /// <param name="state">Saved values.</param>
    /// <param name="atomCount">Atoms.</param>
    /// <param name="constrained">Degrees of freedom removed by constraints.</param>
    public void RestoreState(double[] state, int atomCount, int constrained = 0)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 3 * _chain + 3)
        {
            throw new ArgumentException($"a chain of {_chain} keeps {3 * _chain + 3} values, got {state.Length}", nameof(state));
        }
        Array.Copy(state, 0, _eta, 0, _chain);
        Array.Copy(state, _chain, _etaDot, 0, _chain);
        Array.Copy(state, 2 * _chain, _etaDotDot, 0, _chain);
        _tCurrent = state[3 * _chain];
        _beginStep = (long)state[3 * _chain + 1];
        _endStep = (long)state[3 * _chain + 2];
        _tdof = Thermo.DegreesOfFreedom(atomCount, constrained);
    }

    // FixNH::compute_temp_target: linear ramp over the run.
    private void ComputeTargetTemperature(long step, double boltz)
    {
        double delta = step - _beginStep;
        delta = _endStep > _beginStep ? delta / (_endStep - _beginStep) : 0.0;
        _tTarget = StartTemperature + delta * (StopTemperature - StartTemperature);
        _keTarget = _tdof * boltz * _tTarget;
    }

    // FixNH::nhc_temp_integrate: half-step update of the chain, then velocity scaling.
    private void IntegrateChain(double boltz, double dt, Span<double> v)
    {
        var dthalf = 0.5 * dt;
        var dt4 = 0.25 * dt;
        var dt8 = 0.125 * dt;
        var tdragFactor = 1.0 - (dt * _tFrequency * Drag / _loops);
        var kecurrent = _tdof * boltz * _tCurrent;

        // Masses follow the target, to keep the initial frequency (eta_mass_flag, on by default).
        _etaMass[0] = _tdof * boltz * _tTarget / (_tFrequency * _tFrequency);
        for (var ich = 1; ich < _chain; ich++)
        {
            _etaMass[ich] = boltz * _tTarget / (_tFrequency * _tFrequency);
        }
        _etaDotDot[0] = _etaMass[0] > 0.0 ? (kecurrent - _keTarget) / _etaMass[0] : 0.0;

        var ncfac = 1.0 / _loops;
        for (var loop = 0; loop < _loops; loop++)
        {
            double expfac;
            for (var ich = _chain - 1; ich > 0; ich--)
            {
                expfac = Math.Exp(-ncfac * dt8 * _etaDot[ich + 1]);
                _etaDot[ich] *= expfac;
                _etaDot[ich] += _etaDotDot[ich] * ncfac * dt4;
                _etaDot[ich] *= tdragFactor;
                _etaDot[ich] *= expfac;
            }
            expfac = Math.Exp(-ncfac * dt8 * _etaDot[1]);
            _etaDot[0] *= expfac;
            _etaDot[0] += _etaDotDot[0] * ncfac * dt4;
            _etaDot[0] *= tdragFactor;
            _etaDot[0] *= expfac;

            var factorEta = Math.Exp(-ncfac * dthalf * _etaDot[0]);
            for (var k = 0; k < v.Length; k++)
            {
                v[k] *= factorEta;
            }
            // The scaled temperature, without recomputing it.
            _tCurrent *= factorEta * factorEta;
            kecurrent = _tdof * boltz * _tCurrent;
            _etaDotDot[0] = _etaMass[0] > 0.0 ? (kecurrent - _keTarget) / _etaMass[0] : 0.0;

            for (var ich = 0; ich < _chain; ich++)
            {
                _eta[ich] += ncfac * dthalf * _etaDot[ich];
            }
            _etaDot[0] *= expfac;
            _etaDot[0] += _etaDotDot[0] * ncfac * dt4;
            _etaDot[0] *= expfac;
            for (var ich = 1; ich < _chain; ich++)
            {
                expfac = Math.Exp(-ncfac * dt8 * _etaDot[ich + 1]);
                _etaDot[ich] *= expfac;
                _etaDotDot[ich] = (_etaMass[ich - 1] * _etaDot[ich - 1] * _etaDot[ich - 1] - boltz * _tTarget) / _etaMass[ich];
                _etaDot[ich] += _etaDotDot[ich] * ncfac * dt4;
                _etaDot[ich] *= expfac;
            }
        }
    }
}
