namespace Dataflow.Kernels.Md;

/// <summary>Runs molecular dynamics on one <see cref="MdState"/>: force providers, an integrator and neighbour
/// lists, stepped as LAMMPS' <c>run_style verlet</c> steps (src/verlet.cpp).</summary>
/// <remarks>
/// <para><see cref="Run"/> is LAMMPS' <c>run N</c>: setup (wrap atoms, build lists, compute forces with energy and
/// virial, set up the integrator, thermo output of the current step), then per step: Step++,
/// <see cref="IIntegrator.InitialIntegrate"/>, rebuild neighbour lists if <see cref="NeighborListManager.Decide"/>
/// says so, forces, <see cref="IIntegrator.FinalIntegrate"/>, thermo output every <c>thermoEvery</c> steps and on
/// the last, a snapshot to <see cref="Trajectory"/> every <see cref="TrajectoryEvery"/> steps. Energies and virials
/// are computed only on steps that print thermo, as LAMMPS does.</para>
/// <para>Forces: each provider adds into its own <see cref="ForceResult"/>, summed in provider order into
/// <see cref="Forces"/>. Providers that depend on the run's bounds (<see cref="IRunAwareForceProvider"/>) hear of
/// each run before its setup forces are computed.</para>
/// </remarks>
public sealed class MdSimulation
{
    private readonly IForceProvider[] _providers;
    private readonly ForceResult[] _providerResults;

    /// <summary>A simulation of <paramref name="state"/>.</summary>
    /// <param name="state">Atoms, units, step and timestep; updated in place.</param>
    /// <param name="providers">Sources of force; their sum is the total.</param>
    /// <param name="integrator">Time integrator, e.g. <see cref="VelocityVerlet"/>.</param>
    /// <param name="neighbors">Skin and rebuild schedule; null takes LAMMPS' defaults.</param>
    /// <param name="threads">Threads for neighbour-list builds; 0 for all processors.</param>
    public MdSimulation(
        MdState state, IEnumerable<IForceProvider> providers, IIntegrator integrator, NeighborSettings? neighbors = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(integrator);
        State = state;
        _providers = providers.ToArray();
        Integrator = integrator;
        Neighbors = new NeighborListManager(_providers, neighbors ?? NeighborSettings.Default, state.Units, threads);
        Forces = new ForceResult(state.AtomCount);
        _providerResults = _providers.Select(_ => new ForceResult(state.AtomCount)).ToArray();
    }

    /// <summary>The state being advanced.</summary>
    public MdState State { get; }

    /// <summary>The integrator.</summary>
    public IIntegrator Integrator { get; }

    /// <summary>Neighbour lists and their schedule.</summary>
    public NeighborListManager Neighbors { get; }

    /// <summary>Force providers, in summation order.</summary>
    public IReadOnlyList<IForceProvider> Providers => _providers;

    /// <summary>Total forces (and, on thermo steps, energy and virial) of the current positions.</summary>
    public ForceResult Forces { get; }

    /// <summary>Each provider's own contribution at the last evaluation, in <see cref="Providers"/> order.</summary>
    public IReadOnlyList<ForceResult> ProviderForces => _providerResults;

    /// <summary>Normalise thermo output by the atom count; null takes LAMMPS' default for the unit style.</summary>
    public bool? NormalizeThermo { get; init; }

    /// <summary>Terms computed on thermo steps besides forces; default total energy and virial. Add per-atom terms
    /// when they are wanted in <see cref="Forces"/>.</summary>
    public ForceTerms ThermoTerms { get; init; } = ForceTerms.Energy | ForceTerms.Virial;

    /// <summary>Where snapshots go (LAMMPS <c>dump</c>); null for none.</summary>
    public ITrajectoryWriter? Trajectory { get; init; }

    /// <summary>Write a snapshot on every step that is a multiple of this (LAMMPS <c>dump ... N</c>), including the
    /// first step of a run when it is one; default 100.</summary>
    public int TrajectoryEvery { get; init; } = 100;

    /// <summary>LAMMPS' <c>run N</c>: sets up, then advances <paramref name="steps"/> steps.</summary>
    /// <param name="steps">Steps to run; 0 only sets up and reports the current step.</param>
    /// <param name="thermoEvery">Report every this many steps (LAMMPS <c>thermo N</c>); 0 reports only the first
    /// and last step of the run.</param>
    /// <param name="thermo">Receives each report; may be null.</param>
    /// <returns>The report of the last step.</returns>
    public ThermoSample Run(int steps, int thermoEvery = 0, Action<ThermoSample>? thermo = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(thermoEvery);
        var first = State.Step;
        var last = first + steps;
        var sample = Setup(first, last);
        thermo?.Invoke(sample);
        Dump();
        for (var n = 0; n < steps; n++)
        {
            State.Step++;
            var report = State.Step == last || (thermoEvery > 0 && State.Step % thermoEvery == 0);
            Integrator.InitialIntegrate(State, Forces.Forces);
            if (Neighbors.Decide(State))
            {
                Neighbors.Build(State);
            }
            ComputeForces(report ? ThermoTerms : ForceTerms.Forces);
            Integrator.FinalIntegrate(State, Forces.Forces);
            if (report)
            {
                sample = Sample();
                thermo?.Invoke(sample);
            }
            Dump();
        }
        return sample;
    }

    /// <summary>The thermo line of the current state from the last evaluation's energy and virial, which must
    /// have been computed (true right after <see cref="Run"/> returns).</summary>
    public ThermoSample Sample() => Thermo.Sample(State, Forces.Energy, Forces.Virial, NormalizeThermo);

    /// <summary>Evaluates every provider on the current positions and lists, summing into <see cref="Forces"/>.</summary>
    /// <param name="terms">Terms wanted besides forces.</param>
    public void ComputeForces(ForceTerms terms)
    {
        Forces.Requested = terms;
        Forces.Clear();
        for (var p = 0; p < _providers.Length; p++)
        {
            var result = _providerResults[p];
            result.Requested = terms;
            result.Clear();
            _providers[p].Compute(State, Neighbors.ListFor(_providers[p].Neighbors), result);
            result.AddTo(Forces);
        }
    }

    private void Dump()
    {
        if (Trajectory is not null && TrajectoryEvery > 0 && State.Step % TrajectoryEvery == 0)
        {
            Trajectory.Write(State);
        }
    }

    // Verlet::setup: pbc, neighbour build, forces with energy and virial, fix setup.
    private ThermoSample Setup(long first, long last)
    {
        foreach (var provider in _providers.OfType<IRunAwareForceProvider>())
        {
            provider.BeginRun(State, first, last);
        }
        Neighbors.Build(State);
        ComputeForces(ThermoTerms);
        Integrator.Setup(State, Forces.Forces, first, last);
        return Sample();
    }
}
