using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Kernels.Numerics;
using Dataflow.Kernels.Scheduling;

namespace Dataflow.Actors.Md;

/// <summary>Drives an md job: places the domains over the compute nodes, starts them from the last checkpoint
/// (the data file at first), assembles thermo output, checkpoints and trajectory frames from the domains'
/// reports, and restarts everything from the last checkpoint when a node goes or an actor dies.</summary>
/// <remarks>Determinism: forces, integration and thermo sums do not depend on the decomposition (see
/// <see cref="IDomainForceField"/>, <see cref="ExactSum"/>), and checkpoints are taken at rebuild steps, where a
/// restart rebuilds the same lists; so a run that lost a node ends bit for bit where an undisturbed run ends.</remarks>
public sealed class MdDriver : ReceiveActor, IWithTimers
{
    private const int MaxRestarts = 8;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JobSpec _spec;
    private readonly MdSetup _setup;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _stepTimeout;
    private readonly SortedDictionary<long, ThermoSample> _thermo = [];
    private readonly List<(long Step, double Imbalance)> _imbalance = [];
    private readonly Dictionary<long, ThermoAggregate> _thermoParts = [];
    private readonly Dictionary<long, Dictionary<int, AtomPacket>> _atomParts = [];
    private readonly Dictionary<long, Dictionary<int, double>> _progressCosts = [];
    private readonly double _secondsBefore;
    private IActorRef _client;
    private ComputeNode[] _nodes = [];
    private int[] _placement = [];
    private int _generation;
    private int _placementChanges;
    private int _restarts;
    private MdCheckpoint _checkpoint;
    private IActorRef?[] _ready = [];
    private IActorRef? _longRange;
    private int _readyCount;
    private long _lastProgressStep;
    private long _firstStep;
    private double _loopStartSeconds = -1;
    private bool _ended;
    private long _lastDumpStep = -1;

    /// <summary>Creates the driver; <paramref name="recovered"/> resumes from a replicated checkpoint.</summary>
    public MdDriver(JobSpec spec, IActorRef client, ReplicateCheckpoint? recovered)
    {
        _spec = spec;
        _client = client;
        _setup = new MdSetup(Workload.Decode<MdJobSpec>(spec));
        _stepTimeout = Context.System.Settings.Config.GetTimeSpan("dataflow.step-timeout", TimeSpan.FromSeconds(60));
        if (recovered is not null)
        {
            _checkpoint = MdCheckpoint.FromBytes(recovered.Checkpoint);
            _placementChanges = recovered.PlacementChanges;
            _secondsBefore = recovered.Seconds;
            foreach (var t in _checkpoint.Thermo)
            {
                _thermo[t.Step] = t;
            }
        }
        else
        {
            var state = _setup.NewState();
            state.WrapIntoBox();
            _checkpoint = new MdCheckpoint(0, Pack(state.System), []);
        }
        _firstStep = _checkpoint.Step;

        Receive<NodesChanged>(OnNodesChanged);
        Receive<MdActorReady>(OnReady);
        Receive<MdThermoPart>(OnThermoPart);
        Receive<MdLongRangeThermo>(OnLongRangeThermo);
        Receive<MdDomainProgress>(OnProgress);
        Receive<MdAtoms>(OnAtoms);
        Receive<MdActorFailed>(f =>
        {
            if (f.Generation != _generation)
            {
                return;
            }
            if (f.Fatal)
            {
                Fail($"{_setup.Spec.SourceName}: {f.Error}");
                return;
            }
            Restart($"{f.Error}");
        });
        Receive<StepTimeout>(t =>
        {
            if (t.Generation == _generation && !_ended)
            {
                Restart($"no progress for {_stepTimeout.TotalSeconds:0} s");
            }
        });
        Receive<WatchJob>(w => _client = w.Client);
        Receive<StageUnavailable>(u => Fail($"its stage cannot run on {u.Node}: {u.Error}"));
        Receive<CancelJob>(c => Fail($"cancelled: {c.Reason}"));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private MdJobSpec Spec => _setup.Spec;

    private int DomainCount => _setup.Grid.Count;

    private double Seconds => _secondsBefore + _clock.Elapsed.TotalSeconds;

    private void OnNodesChanged(NodesChanged changed)
    {
        var same = changed.Nodes.Select(n => n.Address).SequenceEqual(_nodes.Select(n => n.Address));
        if (same && _placement.Length > 0)
        {
            _nodes = changed.Nodes;
            return;
        }
        if (_placement.Length > 0)
        {
            _placementChanges++;
        }
        _nodes = changed.Nodes;
        if (_nodes.Length == 0)
        {
            _placement = [];
            _generation++;
            Progress("waiting for compute nodes");
            return;
        }
        StartGeneration();
    }

    private void Restart(string why)
    {
        if (++_restarts > MaxRestarts)
        {
            Fail($"gave up after {MaxRestarts} restarts; last: {why}");
            return;
        }
        _log.Warning("job {0}: restarting from the step-{1} checkpoint: {2}", _spec.JobId, _checkpoint.Step, why);
        if (_nodes.Length > 0)
        {
            StartGeneration();
        }
    }

    private void StartGeneration()
    {
        _generation++;
        _thermoParts.Clear();
        _atomParts.Clear();
        _progressCosts.Clear();
        _readyCount = 0;
        _ready = new IActorRef?[DomainCount];
        _longRange = null;
        _placement = ProportionalPlacement.Assign(DomainCount, _nodes.Select(n => n.Throughput).ToArray());
        // The k-space solver goes to the node hosting the fewest domains (the first such).
        var perNode = ProportionalPlacement.Counts(DomainCount, _nodes.Select(n => n.Throughput).ToArray());
        var longRangeNode = _setup.Charged ? Array.IndexOf(perNode, perNode.Min()) : -1;
        var byDomain = Distribute(_checkpoint.Atoms);
        for (var n = 0; n < _nodes.Length; n++)
        {
            var domains = Enumerable.Range(0, DomainCount).Where(d => _placement[d] == n).ToArray();
            var agent = Context.ActorSelection(_nodes[n].AgentPath);
            agent.Tell(new EnsureStage(_spec));
            agent.Tell(new MdStartDomains(_spec.JobId, _generation, _checkpoint.Step, domains,
                domains.Select(d => byDomain[d]).ToArray(), n == longRangeNode, Self));
        }
        _lastProgressStep = _checkpoint.Step;
        _log.Info("job {0}: generation {1} from step {2}, domains {3}", _spec.JobId, _generation, _checkpoint.Step, DescribePlacement());
        ArmTimeout();
        Progress($"starting {Spec.Domains} domains from step {_checkpoint.Step}");
    }

    private AtomPacket[] Distribute(AtomPacket atoms)
    {
        var layout = _setup.InitialLayout();
        var lists = Enumerable.Range(0, DomainCount).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < atoms.Count; i++)
        {
            lists[layout.OwnerOf(atoms.Positions[3 * i], atoms.Positions[3 * i + 1], atoms.Positions[3 * i + 2])].Add(i);
        }
        return lists.Select(atoms.Select).ToArray();
    }

    private void OnReady(MdActorReady ready)
    {
        if (ready.Generation != _generation)
        {
            return;
        }
        if (ready.Domain < 0)
        {
            _longRange = ready.Actor;
        }
        else
        {
            _ready[ready.Domain] = ready.Actor;
        }
        _readyCount++;
        if (_readyCount < DomainCount + (_setup.Charged ? 1 : 0))
        {
            return;
        }
        var begin = new MdBegin(_generation, _ready.Select(r => r!).ToArray(), _longRange);
        foreach (var actor in _ready)
        {
            actor!.Tell(begin);
        }
        _longRange?.Tell(begin);
        if (_loopStartSeconds < 0)
        {
            _loopStartSeconds = Seconds;
        }
    }

    private void OnThermoPart(MdThermoPart part)
    {
        if (part.Generation != _generation)
        {
            return;
        }
        var aggregate = Aggregate(part.Step);
        aggregate.Partials.Add(ThermoPartials.FromBits(part.Sums));
        aggregate.Domains++;
        aggregate.Atoms += part.Atoms;
        aggregate.Costs[part.Domain] = part.CostSeconds;
        CompleteThermo(part.Step, aggregate);
    }

    private void OnLongRangeThermo(MdLongRangeThermo lr)
    {
        if (lr.Generation != _generation)
        {
            return;
        }
        var aggregate = Aggregate(lr.Step);
        aggregate.LongRange = lr;
        CompleteThermo(lr.Step, aggregate);
    }

    private ThermoAggregate Aggregate(long step)
    {
        if (!_thermoParts.TryGetValue(step, out var aggregate))
        {
            _thermoParts[step] = aggregate = new ThermoAggregate();
        }
        return aggregate;
    }

    private void CompleteThermo(long step, ThermoAggregate aggregate)
    {
        if (aggregate.Domains < DomainCount || (_setup.Charged && aggregate.LongRange is null))
        {
            return;
        }
        _thermoParts.Remove(step);
        var energy = aggregate.Partials.Energy.Value;
        var virial = aggregate.Partials.Virial.Select(v => v.Value).ToArray();
        if (aggregate.LongRange is { } lr)
        {
            energy += lr.Energy;
            for (var c = 0; c < 6; c++)
            {
                virial[c] += lr.Virial[c];
            }
        }
        var sample = Thermo.FromTotals(step, aggregate.Atoms, _setup.Units, _setup.System.Box.Volume,
            aggregate.Partials.MassVelocitySquared.Value, energy, virial);
        if (_thermo.TryAdd(step, sample))
        {
            var metrics = new Dictionary<string, double>
            {
                ["step"] = step,
                ["temp"] = sample.Temperature,
                ["pe"] = sample.PotentialEnergy,
                ["ke"] = sample.KineticEnergy,
                ["etotal"] = sample.TotalEnergy,
                ["press"] = sample.Pressure,
            };
            _client.Tell(new JobProgress(_spec.JobId, step, Spec.Steps, metrics, "thermo " + sample.ToLine().Trim()));
        }
    }

    private void OnProgress(MdDomainProgress progress)
    {
        if (progress.Generation != _generation)
        {
            return;
        }
        if (!_progressCosts.TryGetValue(progress.Step, out var costs))
        {
            _progressCosts[progress.Step] = costs = [];
        }
        costs[progress.Domain] = progress.CostSeconds;
        if (costs.Count < DomainCount)
        {
            return;
        }
        _progressCosts.Remove(progress.Step);
        // Cost of the setup step includes list builds of every atom: not a balance figure.
        if (progress.Step > _checkpoint.Step || progress.Step == Spec.Steps)
        {
            var imbalance = RingBalancer.Imbalance(costs.Values);
            _imbalance.RemoveAll(i => i.Step >= progress.Step);
            _imbalance.Add((progress.Step, imbalance));
        }
        _lastProgressStep = progress.Step;
        ArmTimeout();
        var metrics = new Dictionary<string, double> { ["step"] = progress.Step };
        if (_imbalance.Count > 0)
        {
            metrics["imbalance"] = _imbalance[^1].Imbalance;
        }
        if (_thermo.Count > 0)
        {
            metrics["etotal"] = _thermo.Values.Last().TotalEnergy;
        }
        _client.Tell(new JobProgress(_spec.JobId, progress.Step, Spec.Steps, metrics, DescribePlacement()));
        ReportStatus("running");
    }

    private void OnAtoms(MdAtoms atoms)
    {
        if (atoms.Generation != _generation)
        {
            return;
        }
        if (!_atomParts.TryGetValue(atoms.Step, out var parts))
        {
            _atomParts[atoms.Step] = parts = [];
        }
        parts[atoms.Domain] = atoms.Atoms;
        if (parts.Count < DomainCount)
        {
            return;
        }
        _atomParts.Remove(atoms.Step);
        var whole = Merge(parts.Values, _setup.Charged);
        var step = atoms.Step;
        if (Spec.DumpEvery > 0 && step % Spec.DumpEvery == 0 && step > _lastDumpStep)
        {
            _lastDumpStep = step;
            _client.Tell(new JobOutput(_spec.JobId, "dump", Encoding.UTF8.GetBytes(DumpFrame(step, whole))));
        }
        if (step % Spec.EffectiveCheckpointEvery == 0 && step > _checkpoint.Step)
        {
            _checkpoint = new MdCheckpoint(step, whole, _thermo.Values.ToArray());
            var replica = new ReplicateCheckpoint(_spec, _client, step, _checkpoint.ToBytes(), _placementChanges, Seconds);
            foreach (var node in _nodes)
            {
                Context.ActorSelection(node.AgentPath).Tell(replica);
            }
        }
        if (step == Spec.Steps)
        {
            Finish(whole);
        }
    }

    private string DumpFrame(long step, AtomPacket atoms)
    {
        var system = new MdSystem(_setup.System.Box, _setup.System.TypeCount, atoms.Ids, atoms.Types, atoms.Positions,
            atoms.Velocities, atoms.Images, _setup.System.Masses, atoms.Charges, null,
            atoms.Charges is null ? AtomStyle.Atomic : AtomStyle.Charge);
        var state = new MdState(system, _setup.Units, _setup.Timestep) { Step = step };
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var writer = new LammpsDumpWriter(text))
        {
            writer.Write(state);
        }
        return text.ToString();
    }

    private void Finish(AtomPacket final)
    {
        var atomsCount = final.Count;
        var loopSeconds = Math.Max(1e-9, Seconds - Math.Max(0, _loopStartSeconds));
        var result = new Dictionary<string, object?>
        {
            ["workload"] = MdWorkload.Verb,
            ["data"] = Spec.SourceName,
            ["units"] = Spec.Units,
            ["pair"] = $"{Spec.PairStyle} {string.Join(" ", Spec.PairArguments!.Select(a => a.ToString(CultureInfo.InvariantCulture)))}",
            ["kspace"] = Spec.KSpace,
            ["thermostat"] = Spec.Langevin is { } l
                ? string.Create(CultureInfo.InvariantCulture, $"langevin {l[0]} {l[1]} {l[2]} {l[3]}")
                : "nve",
            ["steps"] = Spec.Steps,
            ["atoms"] = atomsCount,
            ["domains"] = _setup.Grid.ToString(),
            ["nodes"] = _nodes.Length,
            ["timestep"] = _setup.Timestep,
            ["thermo"] = _thermo.Values.Select(t => new Dictionary<string, double>
            {
                ["step"] = t.Step,
                ["temp"] = t.Temperature,
                ["pe"] = t.PotentialEnergy,
                ["ke"] = t.KineticEnergy,
                ["etotal"] = t.TotalEnergy,
                ["press"] = t.Pressure,
            }).ToArray(),
            ["atomStepsPerSecond"] = Math.Round(atomsCount * (double)(Spec.Steps - _firstStep) / loopSeconds, 1),
            ["imbalance"] = _imbalance.Count > 0 ? _imbalance[^1].Imbalance : 1.0,
            ["imbalanceHistory"] = _imbalance.Select(i => new Dictionary<string, double> { ["step"] = i.Step, ["imbalance"] = i.Imbalance }).ToArray(),
            ["balance"] = Spec.Balance,
            ["placementChanges"] = _placementChanges,
            ["restarts"] = _restarts,
            ["stateSha256"] = StateHash(final),
            ["seconds"] = Math.Round(Seconds, 3),
        };
        _client.Tell(new JobCompleted(_spec.JobId, JsonSerializer.Serialize(result)));
        End("completed");
    }

    private void Fail(string error)
    {
        if (_ended)
        {
            return;
        }
        _client.Tell(new JobFailed(_spec.JobId, error));
        End("failed");
    }

    private void End(string state)
    {
        _ended = true;
        ReportStatus(state);
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(new StopStage(_spec.JobId));
        }
        Context.Parent.Tell(new DriverFinished(_spec.JobId));
        Context.Stop(Self);
    }

    private void ArmTimeout() => Timers.StartSingleTimer("step-timeout", new StepTimeout(_generation), _stepTimeout);

    private void Progress(string note)
    {
        _client.Tell(new JobProgress(_spec.JobId, _lastProgressStep, Spec.Steps, [], note));
        ReportStatus("running");
    }

    private void ReportStatus(string state)
    {
        var perNode = new Dictionary<string, int>();
        for (var d = 0; d < _placement.Length; d++)
        {
            var address = _nodes[_placement[d]].Address;
            perNode[address] = perNode.GetValueOrDefault(address) + 1;
        }
        var metrics = new Dictionary<string, double> { ["restarts"] = _restarts };
        if (_imbalance.Count > 0)
        {
            // Largest over mean domain cost per step in the last rebuild interval.
            metrics["imbalance"] = Math.Round(_imbalance[^1].Imbalance, 3);
        }
        if (_thermo.Count > 0)
        {
            metrics["etotal"] = _thermo.Values.Last().TotalEnergy;
        }
        Context.Parent.Tell(new DriverStatus(new JobInfo(_spec.JobId, _spec.Workload, state, _lastProgressStep, Spec.Steps,
            perNode, _placementChanges, metrics)));
    }

    private string DescribePlacement()
    {
        if (_placement.Length == 0)
        {
            return "no placement";
        }
        return string.Join(" ", _nodes.Select((n, i) => $"{n.Address}:{_placement.Count(p => p == i)}"));
    }

    /// <summary>SHA-256 over ids, positions and velocities in id order: equal hashes, equal states bit for bit.</summary>
    public static string StateHash(AtomPacket atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        var order = Enumerable.Range(0, atoms.Count).OrderBy(i => atoms.Ids[i]).ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[8];
        foreach (var i in order)
        {
            BitConverter.TryWriteBytes(buffer, (long)atoms.Ids[i]);
            hash.AppendData(buffer);
            for (var a = 0; a < 3; a++)
            {
                BitConverter.TryWriteBytes(buffer, atoms.Positions[3 * i + a]);
                hash.AppendData(buffer);
                BitConverter.TryWriteBytes(buffer, atoms.Velocities[3 * i + a]);
                hash.AppendData(buffer);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static AtomPacket Pack(MdSystem system) => new((int[])system.Ids.Clone(), (int[])system.Types.Clone(),
        system.Charges is null ? null : (double[])system.Charges.Clone(), (double[])system.Positions.Clone(),
        (double[])system.Velocities.Clone(), (int[])system.Images.Clone());

    /// <summary>Domain packets merged into one, in atom-id order.</summary>
    private static AtomPacket Merge(IEnumerable<AtomPacket> parts, bool charged)
    {
        var all = parts.ToArray();
        var merged = new AtomPacket(all.SelectMany(p => p.Ids).ToArray(), all.SelectMany(p => p.Types).ToArray(),
            charged ? all.SelectMany(p => p.Charges!).ToArray() : null, all.SelectMany(p => p.Positions).ToArray(),
            all.SelectMany(p => p.Velocities).ToArray(), all.SelectMany(p => p.Images).ToArray(),
            all.All(p => p.Forces is not null) ? all.SelectMany(p => p.Forces!).ToArray() : null);
        return merged.Select(Enumerable.Range(0, merged.Count).OrderBy(i => merged.Ids[i]).ToList());
    }

    private sealed class ThermoAggregate
    {
        public ThermoPartials Partials { get; } = new();

        public int Domains { get; set; }

        public int Atoms { get; set; }

        public Dictionary<int, double> Costs { get; } = [];

        public MdLongRangeThermo? LongRange { get; set; }
    }

    private sealed record StepTimeout(int Generation);
}
