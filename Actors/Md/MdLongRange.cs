using System.Diagnostics;
using Akka.Actor;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;

namespace Dataflow.Actors.Md;

/// <summary>The reciprocal-space (Ewald or PPPM) solver of an md job, on its own actor: each step it gathers every
/// domain's charges' positions, solves the whole system in atom-id order, and sends each domain its forces.</summary>
/// <remarks>Because the solver sees the whole system in id order, its forces do not depend on the decomposition.
/// The domains compute their pair loops while it works (DPLR's overlap of short- and long-range work).</remarks>
public sealed class MdLongRange : ReceiveActor
{
    private readonly int _generation;
    private readonly IActorRef _driver;
    private readonly MdState _state;
    private readonly KSpaceForceProvider _kspace;
    private readonly ForceResult _result;
    private readonly Dictionary<int, int> _slotOfId = [];
    private readonly Dictionary<long, List<MdChargePositions>> _pending = [];
    private readonly StageTelemetry _telemetry;
    private IActorRef[] _domains = [];

    /// <summary>Creates the solver for <paramref name="setup"/>'s system.</summary>
    public MdLongRange(string jobId, MdSetup setup, int generation, IActorRef driver, string node)
    {
        _generation = generation;
        _driver = driver;
        _state = setup.NewState();
        _kspace = setup.CreateKSpace(_state) ?? throw new InvalidOperationException("the job has no k-space solver");
        _result = new ForceResult(_state.AtomCount);
        for (var i = 0; i < _state.AtomCount; i++)
        {
            _slotOfId[_state.Ids[i]] = i;
        }
        _telemetry = new StageTelemetry(jobId, "md-kspace", "kspace", node, MdWorkload.Verb);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<MdBegin>(b =>
        {
            if (b.Generation == _generation)
            {
                _domains = b.Domains;
                foreach (var step in _pending.Keys.Order().ToArray())
                {
                    Solve(step);
                }
            }
        });
        Receive<MdChargePositions>(OnPositions);
    }

    /// <summary>The Ewald splitting parameter of <paramref name="setup"/>'s solver (the domains' real-space part
    /// needs the same).</summary>
    public static double GEwaldOf(MdSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return setup.CreateKSpace(setup.NewState())?.GEwald ?? 0;
    }

    /// <inheritdoc />
    protected override void PostStop() => _telemetry.Dispose();

    private void OnPositions(MdChargePositions m)
    {
        if (m.Generation != _generation)
        {
            return;
        }
        if (!_pending.TryGetValue(m.Step, out var parts))
        {
            _pending[m.Step] = parts = [];
        }
        parts.Add(m);
        Solve(m.Step);
    }

    private void Solve(long step)
    {
        var parts = _pending[step];
        if (_domains.Length == 0 || parts.Count < _domains.Length)
        {
            return;
        }
        _pending.Remove(step);
        using var busy = _telemetry.MeasureMessage();
        var clock = Stopwatch.StartNew();
        var x = _state.Positions;
        var atoms = 0;
        foreach (var part in parts)
        {
            for (var k = 0; k < part.Ids.Length; k++)
            {
                var slot = _slotOfId[part.Ids[k]];
                x[3 * slot] = part.Positions[3 * k];
                x[3 * slot + 1] = part.Positions[3 * k + 1];
                x[3 * slot + 2] = part.Positions[3 * k + 2];
            }
            atoms += part.Ids.Length;
        }
        if (atoms != _state.AtomCount)
        {
            _driver.Tell(new MdActorFailed(_generation, -1, _telemetry.Node,
                $"k-space solver got {atoms} atoms at step {step}, expected {_state.AtomCount}", Fatal: true));
            return;
        }
        var tally = parts[0].Tally;
        _result.Requested = tally ? ForceTerms.Energy | ForceTerms.Virial : ForceTerms.Forces;
        _result.Clear();
        _state.Step = step;
        _kspace.Compute(_state, null, _result);
        var f = _result.Forces;
        foreach (var part in parts)
        {
            var forces = new double[part.Positions.Length];
            for (var k = 0; k < part.Ids.Length; k++)
            {
                var slot = _slotOfId[part.Ids[k]];
                forces[3 * k] = f[3 * slot];
                forces[3 * k + 1] = f[3 * slot + 1];
                forces[3 * k + 2] = f[3 * slot + 2];
            }
            _domains[part.From].Tell(new MdLongRangeForces(_generation, step, forces));
        }
        _telemetry.AddItems(atoms);
        if (tally)
        {
            _driver.Tell(new MdLongRangeThermo(_generation, step, _result.Energy, (double[])_result.Virial.Clone(),
                clock.Elapsed.TotalSeconds));
        }
    }
}
