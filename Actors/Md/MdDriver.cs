using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Dataflow.Actors.Runtime;
using Dataflow.Md;
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
public sealed class MdDriver : JobDriver
{
    /// <summary>The trajectory's file in the job's folder under the driver's work directory (LAMMPS dump format).</summary>
    public const string DumpFileName = "dump.lammpstrj";

    /// <summary>The output stream of the final atoms (<see cref="MdJobSpec.SendFinalState"/>), a LAMMPS data file.</summary>
    public const string FinalStateStream = "final";

    /// <summary>The output stream of the Nose-Hoover chain at the last step (<see cref="MdJobSpec.SendFinalState"/> with
    /// <see cref="MdJobSpec.Nvt"/>): <see cref="NoseHooverChain.SaveState"/>'s values, one per line in round-trip form,
    /// what a script's next run of the same fix starts from.</summary>
    public const string ThermostatStream = "thermostat";

    /// <summary>The final atoms' file in the job's folder under the driver's work directory.</summary>
    public const string FinalStateFileName = "final.data";

    private readonly MdSetup _setup;
    private readonly SortedDictionary<long, ThermoSample> _thermo = [];
    private readonly List<(long Step, double Imbalance)> _imbalance = [];
    private readonly Dictionary<long, ThermoAggregate> _thermoParts = [];
    private readonly Dictionary<long, Dictionary<int, MdAtoms>> _atomParts = [];
    private readonly Dictionary<long, Dictionary<int, double>> _progressCosts = [];
    private int[] _placement = [];
    private MdCheckpoint _checkpoint;
    private IActorRef?[] _ready = [];
    private IActorRef? _longRange;
    private int _readyCount;
    private long _lastProgressStep;
    private long _firstStep;
    private double _loopStartSeconds = -1;
    private long _lastDumpStep = -1;

    /// <summary>Creates the driver, from the job's checkpoint when it has one (else from the data file).</summary>
    public MdDriver(JobStart start) : base(start)
    {
        _setup = new MdSetup(Workload.Decode<MdJobSpec>(Spec));
        if (StartCheckpoint is { } bytes)
        {
            _checkpoint = MdCheckpoint.FromBytes(bytes);
            foreach (var t in _checkpoint.Thermo)
            {
                _thermo[t.Step] = t;
            }
        }
        else
        {
            var state = _setup.NewState();
            state.WrapIntoBox();
            _checkpoint = new MdCheckpoint(0, AtomPackets.FromSystem(state.System), []);
        }
        _firstStep = _checkpoint.Step;

        Receive<MdActorReady>(OnReady);
        Receive<MdThermoPart>(OnThermoPart);
        Receive<MdLongRangeThermo>(OnLongRangeThermo);
        Receive<MdDomainProgress>(OnProgress);
        Receive<MdAtoms>(OnAtoms);
        Receive<MdActorFailed>(f =>
        {
            if (f.Generation != Generation)
            {
                return;
            }
            if (f.Fatal)
            {
                Fail($"{Job.SourceName}: {f.Error}");
                return;
            }
            Restart($"{f.Error}");
        });
    }

    private MdJobSpec Job => _setup.Spec;

    private int DomainCount => _setup.Grid.Count;

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_lastProgressStep, Job.Steps);

    /// <inheritdoc />
    protected override void OnPlaced() => StartGeneration();

    /// <inheritdoc />
    protected override void OnRestart() => StartGeneration();

    private void StartGeneration()
    {
        NewGeneration();
        _thermoParts.Clear();
        _atomParts.Clear();
        _progressCosts.Clear();
        _readyCount = 0;
        _ready = new IActorRef?[DomainCount];
        _longRange = null;
        _placement = Assign(DomainCount);
        // The k-space solver goes to the node hosting the fewest domains (the first such).
        var perNode = ProportionalPlacement.Counts(DomainCount, Nodes.Select(n => n.Throughput).ToArray());
        var longRangeNode = _setup.Charged ? Array.IndexOf(perNode, perNode.Min()) : -1;
        var byDomain = Distribute(_checkpoint.Atoms);
        for (var n = 0; n < Nodes.Length; n++)
        {
            var domains = Enumerable.Range(0, DomainCount).Where(d => _placement[d] == n).ToArray();
            Agent(n).Tell(new MdStartDomains(JobId, Generation, _checkpoint.Step, domains,
                domains.Select(d => byDomain[d]).ToArray(), n == longRangeNode, Self, _checkpoint.Thermostat));
        }
        _lastProgressStep = _checkpoint.Step;
        Log.Info("job {0}: generation {1} from step {2}, domains {3}", JobId, Generation, _checkpoint.Step, DescribePlacement());
        ArmStepTimeout();
        Progress(_lastProgressStep, Job.Steps, [], $"starting {Job.Domains} domains from step {_checkpoint.Step}");
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
        if (ready.Generation != Generation)
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
        var begin = new MdBegin(Generation, _ready.Select(r => r!).ToArray(), _longRange);
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
        if (part.Generation != Generation)
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
        if (lr.Generation != Generation)
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
            aggregate.Partials.MassVelocitySquared.Value, energy, virial, constrained: _setup.ConstrainedDegreesOfFreedom);
        if (_setup.Bonded || _setup.Charged)
        {
            // Normalised as the potential energy is (lj units: per atom).
            var per = sample.Normalized && aggregate.Atoms > 0 ? 1.0 / aggregate.Atoms : 1.0;
            sample = sample with
            {
                BondEnergy = aggregate.Partials.Bond.Value * per,
                AngleEnergy = aggregate.Partials.Angle.Value * per,
                CoulombEnergy = aggregate.Partials.Coulomb.Value * per,
                LongRangeEnergy = (aggregate.LongRange?.Energy ?? 0.0) * per,
            };
        }
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
            if (_setup.Bonded || _setup.Charged)
            {
                metrics["ebond"] = sample.BondEnergy;
                metrics["eangle"] = sample.AngleEnergy;
                metrics["ecoul"] = sample.CoulombEnergy;
                metrics["elong"] = sample.LongRangeEnergy;
            }
            Progress(step, Job.Steps, metrics, "thermo " + sample.ToLine().Trim());
        }
    }

    private void OnProgress(MdDomainProgress progress)
    {
        if (progress.Generation != Generation)
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
        if (progress.Step > _checkpoint.Step || progress.Step == Job.Steps)
        {
            var imbalance = RingBalancer.Imbalance(costs.Values);
            _imbalance.RemoveAll(i => i.Step >= progress.Step);
            _imbalance.Add((progress.Step, imbalance));
        }
        _lastProgressStep = progress.Step;
        ArmStepTimeout();
        var metrics = new Dictionary<string, double> { ["step"] = progress.Step };
        if (_imbalance.Count > 0)
        {
            metrics["imbalance"] = _imbalance[^1].Imbalance;
        }
        if (_thermo.Count > 0)
        {
            metrics["etotal"] = _thermo.Values.Last().TotalEnergy;
        }
        Progress(progress.Step, Job.Steps, metrics, DescribePlacement());
    }

    private void OnAtoms(MdAtoms atoms)
    {
        if (atoms.Generation != Generation)
        {
            return;
        }
        if (!_atomParts.TryGetValue(atoms.Step, out var parts))
        {
            _atomParts[atoms.Step] = parts = [];
        }
        parts[atoms.Domain] = atoms;
        if (parts.Count < DomainCount)
        {
            return;
        }
        _atomParts.Remove(atoms.Step);
        // Every domain advanced the same chain from the same sums: any one's state is the job's.
        var thermostat = parts[0].Thermostat;
        var whole = AtomPackets.MergeById(parts.Values.Select(p => p.Atoms), _setup.Charged);
        var step = atoms.Step;
        if (Job.DumpEvery > 0 && step % Job.DumpEvery == 0 && step > _lastDumpStep)
        {
            _lastDumpStep = step;
            // The host keeps the trajectory too, so a detached job's frames can be fetched (`dataflow jobs result`).
            OutputAppended("dump", DumpFileName, Encoding.UTF8.GetBytes(DumpFrame(step, whole)));
        }
        if (step % Job.EffectiveCheckpointEvery == 0 && step > _checkpoint.Step)
        {
            _checkpoint = new MdCheckpoint(step, whole, _thermo.Values.ToArray(), thermostat);
            Replicate(step, _checkpoint.ToBytes());
        }
        if (step == Job.Steps)
        {
            if (Job.SendFinalState && thermostat is not null)
            {
                OutputAppended(ThermostatStream, "thermostat.txt", Encoding.UTF8.GetBytes(
                    string.Concat(thermostat.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "\n"))));
            }
            Finish(whole);
        }
    }

    private string FinalData(AtomPacket atoms)
    {
        var system = new MdSystem(_setup.System.Box, _setup.System.TypeCount, atoms.Ids, atoms.Types, atoms.Positions,
            atoms.Velocities, atoms.Images, _setup.System.Masses, atoms.Charges, null,
            atoms.Charges is null ? AtomStyle.Atomic : AtomStyle.Charge)
        { Title = $"{Job.SourceName} at step {Job.Steps}", PairCoefficients = _setup.System.PairCoefficients };
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        LammpsDataWriter.Write(text, system);
        return text.ToString();
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
        if (Job.SendFinalState)
        {
            OutputAppended(FinalStateStream, FinalStateFileName, Encoding.UTF8.GetBytes(FinalData(final)));
        }
        var atomsCount = final.Count;
        var loopSeconds = Math.Max(1e-9, Seconds - Math.Max(0, _loopStartSeconds));
        Complete(new MdResult(
            MdWorkload.Verb,
            Job.SourceName,
            Job.Units,
            $"{Job.PairStyle} {string.Join(" ", Job.PairArguments!.Select(a => a.ToString(CultureInfo.InvariantCulture)))}",
            Job.KSpace,
            Job.Langevin is { } l
                ? string.Create(CultureInfo.InvariantCulture, $"langevin {l[0]} {l[1]} {l[2]} {l[3]}")
                : Job.Nvt is { } t
                    ? string.Create(CultureInfo.InvariantCulture, $"nvt {t[0]} {t[1]} {t[2]}")
                    : "nve",
            Job.Steps,
            atomsCount,
            _setup.Grid.ToString(),
            Nodes.Length,
            _setup.Timestep,
            _thermo.Values.Select(MdThermo.From).ToArray(),
            Math.Round(atomsCount * (double)(Job.Steps - _firstStep) / loopSeconds, 1),
            _imbalance.Count > 0 ? _imbalance[^1].Imbalance : 1.0,
            _imbalance.Select(i => new MdImbalance(i.Step, i.Imbalance)).ToArray(),
            Job.Balance,
            PlacementChanges,
            Restarts,
            final.StateSha256(),
            MdResult.InputsOf(Job)));
    }

    /// <inheritdoc />
    protected override Dictionary<string, int> WorkPerNode()
    {
        var perNode = new Dictionary<string, int>();
        foreach (var n in _placement.Where(n => n < Nodes.Length))
        {
            perNode[Nodes[n].Address] = perNode.GetValueOrDefault(Nodes[n].Address) + 1;
        }
        return perNode;
    }

    /// <inheritdoc />
    protected override Dictionary<string, double>? StatusMetrics()
    {
        var metrics = new Dictionary<string, double> { ["restarts"] = Restarts };
        if (_imbalance.Count > 0)
        {
            // Largest over mean domain cost per step in the last rebuild interval.
            metrics["imbalance"] = Math.Round(_imbalance[^1].Imbalance, 3);
        }
        if (_thermo.Count > 0)
        {
            metrics["etotal"] = _thermo.Values.Last().TotalEnergy;
        }
        return metrics;
    }

    private string DescribePlacement()
    {
        if (_placement.Length == 0)
        {
            return "no placement";
        }
        return string.Join(" ", Nodes.Select((n, i) => $"{n.Address}:{_placement.Count(p => p == i)}"));
    }

    private sealed class ThermoAggregate
    {
        public ThermoPartials Partials { get; } = new();

        public int Domains { get; set; }

        public int Atoms { get; set; }

        public Dictionary<int, double> Costs { get; } = [];

        public MdLongRangeThermo? LongRange { get; set; }
    }

}
