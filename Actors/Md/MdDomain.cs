using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Constraints;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Kernels.Numerics;

namespace Dataflow.Actors.Md;

/// <summary>One spatial domain of an md job: integrates its owned atoms and computes their short-range forces,
/// exchanging ghosts and migrating atoms with its neighbour domains only, and charges and reciprocal-space
/// forces with the k-space actor, whose work overlaps the domain's own.</summary>
/// <remarks>
/// <para>A step n: first half of velocity Verlet; at a rebuild (n a multiple of the rebuild interval) atoms are
/// wrapped and migrate to their owners, at a balancing rebuild the ring boundaries move and atoms pass to ring
/// neighbours, and full ghost packets go to every neighbour; between rebuilds only ghost positions go. Then the
/// owned positions go to the k-space actor, the pair loop runs meanwhile, the reciprocal forces are added, and
/// the second half of velocity Verlet follows. Under a Nose-Hoover chain (fix nvt) every domain then sends its exact
/// part of sum m v^2 to all domains, and each advances its copy of the chain from the same whole-system temperature,
/// so the copies stay equal bit for bit and the velocities are scaled by the same factor everywhere. Domains run ahead of one another by at most a step; messages of a
/// later step wait in a buffer.</para>
/// <para>Reports to the driver: exact thermo partial sums on thermo steps, progress and cost at rebuilds, the
/// owned atoms at checkpoint, dump and final steps.</para>
/// </remarks>
public sealed class MdDomain : ReceiveActor
{
    private readonly MdSetup _setup;
    private readonly int _index;
    private readonly int _generation;
    private readonly long _startStep;
    private readonly IActorRef _driver;
    private readonly string _node;
    private readonly DomainState _state;
    private readonly IDomainForceField _field;
    private readonly StageTelemetry _telemetry;
    private readonly Dictionary<(Kind, long), SortedDictionary<int, object>> _inbox = [];
    private readonly bool _balance;
    private DomainLayout _layout;
    private IActorRef[] _peers = [];
    private IActorRef? _longRange;
    private int[] _neighbors = [];
    private int[] _ringPair = [];
    private long _step;
    private Phase _phase = Phase.Idle;
    private bool _tally;
    private double _myCost;
    private double[] _myHistogram = [];
    private double _costSinceThermo;
    private int _stepsSinceThermo;
    private double _costSinceBalance;
    private int _stepsSinceBalance;
    private double _costSinceRebuild;
    private int _stepsSinceRebuild;
    private double _stepCost;
    private double[]? _restoredForces;
    private readonly NoseHooverChain? _nvt;
    private readonly DomainShake? _shake;
    private double _shakeDtfsq;
    private double[] _ownedPredicted = [];
    private bool _nvtStarted;
    private readonly CancellationToken _cancel;

    /// <summary>Creates domain <paramref name="index"/> holding <paramref name="atoms"/>.</summary>
    public MdDomain(string jobId, MdSetup setup, int index, int generation, long startStep, AtomPacket atoms, IActorRef driver,
        string node, int threads, double gEwald, double[]? thermostat = null)
    {
        _setup = setup;
        _index = index;
        _generation = generation;
        _startStep = startStep;
        _driver = driver;
        _node = node;
        _layout = setup.InitialLayout();
        _balance = setup.Spec.Balance == "ring" && _layout.RingLength > 1;
        _state = new DomainState(index, setup.System.Box, setup.System.Masses, setup.Units, setup.Timestep, setup.Charged)
        {
            Bonded = setup.CreateBondedTerms(setup.CreatePairStyle(gEwald)),
        };
        _state.Add(atoms);
        _restoredForces = startStep > 0 ? atoms.Forces : null;
        _field = setup.CreateForceField(gEwald, threads);
        _shake = setup.CreateShake();
        if (setup.Spec.Nvt is { } nvt)
        {
            _nvt = new NoseHooverChain(nvt[0], nvt[1], nvt[2]);
            if (thermostat is not null)
            {
                // A restart: the chain continues from the checkpoint's state, not set up afresh.
                _nvt.RestoreState(thermostat, setup.System.AtomCount, setup.ConstrainedDegreesOfFreedom);
                _nvtStarted = true;
            }
            else if (setup.Spec.NvtChain is { } chain)
            {
                // A new run of a fix that carries on: eta and eta_dot continue, the setup at step 0 still runs.
                _nvt.RestoreState(chain, setup.System.AtomCount, setup.ConstrainedDegreesOfFreedom);
            }
        }
        _telemetry = new StageTelemetry(jobId, "md-domain", $"domain-{index}", node, MdWorkload.Verb);
        // A domain with no neighbours runs every step inside one handler: it stops there when the job ends or the
        // node shuts down.
        _cancel = StageCancellation.Get(Context.System).For(jobId);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));

        Receive<MdBegin>(b =>
        {
            if (b.Generation != _generation)
            {
                return;
            }
            _peers = b.Domains;
            // A null reference arrives from another node as Nobody.
            _longRange = b.LongRange is null || b.LongRange.IsNobody() ? null : b.LongRange;
            Guarded(Setup);
        });
        Receive<MdMigrate>(m => Deliver(Kind.Migrate, m.Generation, m.Step, m.From, m));
        Receive<MdBalanceInfo>(m => Deliver(Kind.BalanceInfo, m.Generation, m.Step, m.From, m));
        Receive<MdCut>(m => Deliver(Kind.Cut, m.Generation, m.Step, m.From, m));
        Receive<MdPass>(m => Deliver(Kind.Pass, m.Generation, m.Step, m.From, m));
        Receive<MdGhosts>(m => Deliver(Kind.Ghosts, m.Generation, m.Step, m.From, m));
        Receive<MdGhostPositions>(m => Deliver(Kind.GhostPositions, m.Generation, m.Step, m.From, m));
        Receive<MdLongRangeForces>(m => Deliver(Kind.LongRange, m.Generation, m.Step, -1, m));
        Receive<MdKinetic>(m => Deliver(Kind.Kinetic, m.Generation, m.Step, m.From, m));
        Receive<MdShakeGhosts>(m => Deliver(Kind.Shake, m.Generation, m.Step, m.From, m));
    }

    private enum Kind
    {
        Migrate,
        BalanceInfo,
        Cut,
        Pass,
        Ghosts,
        GhostPositions,
        LongRange,
        Kinetic,
        Shake,
    }

    private enum Phase
    {
        Idle,
        StartStep,
        WaitMigrants,
        WaitBalanceInfo,
        WaitCuts,
        WaitPass,
        WaitGhosts,
        WaitGhostPositions,
        WaitLongRange,
        WaitShake,
        WaitKinetic,
        Done,
    }

    private MdJobSpec Spec => _setup.Spec;

    /// <inheritdoc />
    protected override void PostStop() => _telemetry.Dispose();

    private void Deliver(Kind kind, int generation, long step, int from, object message)
    {
        if (generation != _generation)
        {
            return;
        }
        if (!_inbox.TryGetValue((kind, step), out var byFrom))
        {
            _inbox[(kind, step)] = byFrom = [];
        }
        byFrom[from] = message;
        Guarded(Advance);
    }

    private void Guarded(Action action)
    {
        using var busy = _telemetry.MeasureMessage();
        // CPU time of this thread within one handler; a step's cost is the sum over the handlers that ran it.
        var cpu = ThreadCpuClock.Seconds();
        try
        {
            action();
            _stepCost += ThreadCpuClock.Seconds() - cpu;
        }
        catch (Exception e) when (e is InvalidOperationException or ArithmeticException or ArgumentException)
        {
            _phase = Phase.Done;
            _driver.Tell(new MdActorFailed(_generation, _index, _node, e.Message, Fatal: true));
        }
    }

    private void Setup()
    {
        _step = _startStep;
        _state.Wrap(_step);
        SendGhosts();
        Advance();
    }

    private void Advance()
    {
        while (true)
        {
            switch (_phase)
            {
                case Phase.StartStep:
                    if (_cancel.IsCancellationRequested)
                    {
                        _phase = Phase.Done;
                        return;
                    }
                    StartStep();
                    break;
                case Phase.WaitMigrants:
                    if (!TryTake(Kind.Migrate, Others(_neighbors), out var migrants))
                    {
                        return;
                    }
                    foreach (MdMigrate m in migrants)
                    {
                        _state.Add(m.Atoms);
                    }
                    if (_balance && _step % Spec.EffectiveBalanceEvery == 0)
                    {
                        SendBalanceInfo();
                    }
                    else
                    {
                        SendGhosts();
                    }
                    break;
                case Phase.WaitBalanceInfo:
                    if (!TryTake(Kind.BalanceInfo, [Ring(+1)], out var infos))
                    {
                        return;
                    }
                    DecideCut((MdBalanceInfo)infos[0]);
                    break;
                case Phase.WaitCuts:
                    if (!TryTake(Kind.Cut, Enumerable.Range(0, _layout.Count).ToArray(), out var cuts))
                    {
                        return;
                    }
                    ApplyCuts(cuts.Cast<MdCut>());
                    break;
                case Phase.WaitPass:
                    if (!TryTake(Kind.Pass, _ringPair, out var passes))
                    {
                        return;
                    }
                    foreach (MdPass p in passes)
                    {
                        _state.Add(p.Atoms);
                    }
                    SendGhosts();
                    break;
                case Phase.WaitGhosts:
                    if (!TryTake(Kind.Ghosts, _neighbors, out var ghosts))
                    {
                        return;
                    }
                    _state.SetGhosts(ghosts.Select(g => ((MdGhosts)g).Ghosts).ToList());
                    _state.BuildList(_field, _setup.GhostCutoff);
                    _shake?.Build(_state.LocalPositions, _state.LocalKeys, _state.LocalCount, _state.Owned, _state.Box);
                    ComputeForces();
                    break;
                case Phase.WaitGhostPositions:
                    if (!TryTake(Kind.GhostPositions, _neighbors, out var positions))
                    {
                        return;
                    }
                    _state.UpdateGhostPositions(positions.Select(p => ((MdGhostPositions)p).Positions).ToList());
                    ComputeForces();
                    break;
                case Phase.WaitLongRange:
                    if (_longRange is not null)
                    {
                        if (!TryTake(Kind.LongRange, [-1], out var lr))
                        {
                            return;
                        }
                        _state.AddForces(((MdLongRangeForces)lr[0]).Forces);
                    }
                    FinishStep();
                    break;
                case Phase.WaitShake:
                    if (!TryTake(Kind.Shake, _neighbors, out var shakes))
                    {
                        return;
                    }
                    ApplyShake(shakes.Cast<MdShakeGhosts>().ToList());
                    FinishIntegrate();
                    break;
                case Phase.WaitKinetic:
                    if (!TryTake(Kind.Kinetic, Enumerable.Range(0, _layout.Count).ToArray(), out var kinetic))
                    {
                        return;
                    }
                    Thermostat(kinetic.Cast<MdKinetic>());
                    CompleteStep();
                    break;
                default:
                    return;
            }
        }
    }

    private void StartStep()
    {
        _step++;
        // FixNH::initial_integrate: the chain's half step and velocity scaling come before fix nve's kick and drift.
        _nvt?.ThermostatHalfStep(_step, _setup.Units, _setup.Timestep, _state.OwnedVelocities);
        _state.InitialIntegrate();
        if (_step % Spec.RebuildEvery == 0)
        {
            _state.Wrap(_step);
            var leaving = _state.TakeLeaving(_layout);
            var others = Others(_neighbors);
            foreach (var (owner, atoms) in leaving)
            {
                if (!others.Contains(owner))
                {
                    throw new InvalidOperationException(
                        $"lost atoms at step {_step}: domain {_index} holds {atoms.Count} atom(s) (id {atoms.Ids[0]}) that belong to "
                        + $"domain {owner}, which is not a neighbour; atoms moved more than the skin ({_setup.Skin}) between "
                        + "rebuilds: lower --rebuild-every or the timestep, or raise --skin");
                }
            }
            foreach (var target in others)
            {
                _peers[target].Tell(new MdMigrate(_generation, _step, _index,
                    leaving.GetValueOrDefault(target) ?? AtomPacket.Empty(_setup.Charged)));
            }
            _phase = Phase.WaitMigrants;
        }
        else
        {
            foreach (var target in _neighbors)
            {
                _peers[target].Tell(new MdGhostPositions(_generation, _step, _index, _state.GhostPositions(target)));
            }
            _phase = Phase.WaitGhostPositions;
        }
    }

    private void SendBalanceInfo()
    {
        var (_, width) = _layout.RingExtent(_index);
        _myCost = _stepsSinceBalance > 0 ? _costSinceBalance / _stepsSinceBalance : 0;
        _myHistogram = RingBalancer.Histogram(_state.RingOffsets(_layout), width);
        _costSinceBalance = 0;
        _stepsSinceBalance = 0;
        _peers[Ring(-1)].Tell(new MdBalanceInfo(_generation, _step, _index, _myCost, _myHistogram));
        _phase = Phase.WaitBalanceInfo;
    }

    private void DecideCut(MdBalanceInfo upper)
    {
        var (lower, width) = _layout.RingExtent(_index);
        var (_, upperWidth) = _layout.RingExtent(upper.From);
        var value = RingBalancer.NewBoundary(lower, width, _myCost, _myHistogram, upperWidth, upper.CostSeconds, upper.Histogram);
        var (ring, position) = _layout.RingOf(_index);
        var cut = new MdCut(_generation, _step, _index, ring, position, value);
        foreach (var peer in _peers)
        {
            peer.Tell(cut);
        }
        _phase = Phase.WaitCuts;
    }

    private void ApplyCuts(IEnumerable<MdCut> cuts)
    {
        _layout = _layout.WithCuts(cuts.Select(c => (c.Ring, c.Position, c.Value)));
        var leaving = _state.TakeLeaving(_layout);
        _ringPair = new[] { Ring(-1), Ring(+1) }.Where(d => d != _index).Distinct().Order().ToArray();
        foreach (var (owner, atoms) in leaving)
        {
            if (!_ringPair.Contains(owner))
            {
                throw new InvalidOperationException(
                    $"balancing at step {_step} gave {atoms.Count} atom(s) of domain {_index} to domain {owner}, not a ring neighbour");
            }
        }
        foreach (var target in _ringPair)
        {
            _peers[target].Tell(new MdPass(_generation, _step, _index, leaving.GetValueOrDefault(target) ?? AtomPacket.Empty(_setup.Charged)));
        }
        _phase = Phase.WaitPass;
    }

    private void SendGhosts()
    {
        _state.ClearGhosts();
        _neighbors = _layout.Neighbors(_index, _setup.GhostCutoff);
        foreach (var target in _neighbors)
        {
            _peers[target].Tell(new MdGhosts(_generation, _step, _index, _state.SelectGhosts(_layout, target, _setup.GhostCutoff)));
        }
        _phase = Phase.WaitGhosts;
    }

    private void ComputeForces()
    {
        // LAMMPS prints the run's first step, every thermo interval and the last; a restart's first step is none of them.
        _tally = _step == 0 || _step == Spec.Steps || (Spec.ThermoEvery > 0 && _step % Spec.ThermoEvery == 0);
        if (_longRange is not null)
        {
            // The k-space actor starts on these charges while this domain runs its pair loop (DPLR's overlap).
            _longRange.Tell(new MdChargePositions(_generation, _step, _index, _state.Ids.ToArray(), _state.Positions.ToArray(), _tally));
        }
        _state.ComputeForces(_field, _tally);
        _telemetry.AddItems(_state.Owned);
        _phase = Phase.WaitLongRange;
    }

    private void FinishStep()
    {
        var restored = false;
        if (_step == _startStep && _restoredForces is not null)
        {
            restored = true;
            // A restart resumes with the forces the checkpointed step used: a Langevin force depends on the
            // half-step velocities, which the checkpoint no longer has (for conservative forces they are the same bits).
            _state.SetForces(_restoredForces);
            _restoredForces = null;
        }
        else if (Spec.Langevin is { } langevin)
        {
            // LAMMPS fix langevin post_force: after the pair and k-space forces, from the current velocities.
            var target = langevin[0] + (Spec.Steps > 0 ? (double)_step / Spec.Steps : 0) * (langevin[1] - langevin[0]);
            var step = new LangevinStep((int)langevin[3], _step, target, langevin[2], _setup.Timestep, _setup.Units);
            LangevinThermostat.AddForces(step, _setup.System.Masses, _state.Ids, _state.Types, _state.Velocities, _state.Forces);
        }
        if (_shake is not null && !restored)
        {
            // A restart's forces already hold the constraint forces of its step.
            StartShake();
            return;
        }
        FinishIntegrate();
    }

    // FixShake::post_force after all forces (at a run's setup, FixShake::setup: correct_coordinates, then
    // shake_end_of_step with dt^2 / 2): each domain predicts its owned atoms' next positions and sends them to the
    // domains that hold them as ghosts.
    private void StartShake()
    {
        var setup = _step == _startStep;
        var dt = _setup.Timestep;
        _shakeDtfsq = setup ? 0.5 * dt * dt * _state.Ftm2v : dt * dt * _state.Ftm2v;
        if (setup)
        {
            _shake!.CorrectCoordinates(_state.LocalPositions, _state.LocalTypes, _shakeDtfsq, _state.OwnedPositions);
        }
        _ownedPredicted = _shake!.Predict(_state.OwnedPositions, _state.Velocities, _state.Forces, _state.Types, dt, _shakeDtfsq);
        foreach (var target in _neighbors)
        {
            _peers[target].Tell(new MdShakeGhosts(_generation, _step, _index, _state.GhostValues(target, _ownedPredicted),
                setup ? _state.GhostPositions(target) : null));
        }
        _phase = Phase.WaitShake;
    }

    private void ApplyShake(List<MdShakeGhosts> packets)
    {
        if (_step == _startStep)
        {
            // The ghosts moved onto the constraints with their owners.
            _state.UpdateGhostPositions(packets.Select(p => p.Positions
                ?? throw new InvalidOperationException($"domain {_index}: shake ghosts without corrected positions at setup")).ToList());
        }
        var local = _shake!.PredictedBuffer(3 * _state.LocalCount);
        _ownedPredicted.CopyTo(local, 0);
        var at = 3 * _state.Owned;
        foreach (var p in packets)
        {
            p.Predicted.CopyTo(local, at);
            at += p.Predicted.Length;
        }
        _shake.Apply(_state.LocalPositions, local, _state.LocalTypes, _shakeDtfsq, _state.Forces,
            _tally ? _state.OwnedVirial : Span<double>.Empty);
    }

    private void FinishIntegrate()
    {
        if (_step > _startStep)
        {
            _state.FinalIntegrate();
        }
        if (_nvt is not null && (_step > _startStep || !_nvtStarted))
        {
            // FixNH::final_integrate (and setup) needs the whole system's temperature: an exact sum over the domains.
            var (high, low) = _state.MassVelocitySquared().Bits;
            foreach (var peer in _peers)
            {
                peer.Tell(new MdKinetic(_generation, _step, _index, high, unchecked((long)low)));
            }
            _phase = Phase.WaitKinetic;
            return;
        }
        CompleteStep();
    }

    private void Thermostat(IEnumerable<MdKinetic> parts)
    {
        var total = new ExactSum();
        foreach (var part in parts)
        {
            total.Add(ExactSum.FromBits(part.High, unchecked((ulong)part.Low)));
        }
        var atoms = _setup.System.AtomCount;
        var constrained = _setup.ConstrainedDegreesOfFreedom;
        var temperature = Thermo.TemperatureFromTotal(atoms, _setup.Units, total.Value, constrained);
        if (!_nvtStarted)
        {
            // FixNH::setup at the run's first step: the chain is not advanced, the velocities are not scaled.
            _nvt!.Begin(atoms, temperature, _setup.Units, _step, 0, Spec.Steps, constrained);
            _nvtStarted = true;
            return;
        }
        _nvt!.ThermostatFinalHalfStep(atoms, temperature, _setup.Units, _setup.Timestep, _state.OwnedVelocities, constrained);
    }

    private void CompleteStep()
    {
        var cost = _stepCost;
        _stepCost = 0;
        _costSinceThermo += cost;
        _stepsSinceThermo++;
        _costSinceBalance += cost;
        _stepsSinceBalance++;
        _costSinceRebuild += cost;
        _stepsSinceRebuild++;
        if (_tally)
        {
            var partials = _state.Partials();
            _driver.Tell(new MdThermoPart(_generation, _step, _index, _state.Owned, partials.ToBits(),
                _costSinceThermo / _stepsSinceThermo, _field.PairCount));
            _costSinceThermo = 0;
            _stepsSinceThermo = 0;
        }
        if (_step % Spec.RebuildEvery == 0 || _step == Spec.Steps)
        {
            _driver.Tell(new MdDomainProgress(_generation, _step, _index, _state.Owned,
                _costSinceRebuild / Math.Max(1, _stepsSinceRebuild), _field.PairCount));
            _costSinceRebuild = 0;
            _stepsSinceRebuild = 0;
        }
        if (_step % Spec.EffectiveCheckpointEvery == 0 || _step == Spec.Steps
            || (Spec.DumpEvery > 0 && _step % Spec.DumpEvery == 0))
        {
            _driver.Tell(new MdAtoms(_generation, _step, _index, _state.Snapshot(), _nvt?.SaveState()));
        }
        _phase = _step >= Spec.Steps ? Phase.Done : Phase.StartStep;
    }

    private int Ring(int offset)
    {
        var (ring, position) = _layout.RingOf(_index);
        return _layout.DomainAt(ring, position + offset);
    }

    private int[] Others(int[] domains) => domains.Where(d => d != _index).ToArray();

    private bool TryTake(Kind kind, int[] from, out List<object> messages)
    {
        messages = [];
        if (from.Length == 0)
        {
            _inbox.Remove((kind, _step));
            return true;
        }
        if (!_inbox.TryGetValue((kind, _step), out var byFrom) || from.Any(f => !byFrom.ContainsKey(f)))
        {
            return false;
        }
        // In sender order, so that local arrays do not depend on arrival order.
        messages = from.Order().Select(f => byFrom[f]).ToList();
        _inbox.Remove((kind, _step));
        return true;
    }
}
