using System.Globalization;
using Dataflow.Actors.Runtime;
using Dataflow.Fci;

namespace Dataflow.Actors.Fci;

/// <summary>Drives an <c>fci</c> job: runs it on the fastest compute node; re-runs it elsewhere if that node goes.</summary>
public sealed class FciDriver : JobDriver
{
    private readonly FciJobSpec _job;
    private ComputeNode? _node;

    // Davidson iterations of this generation's solve over every symmetry block (each block's count starts at 1 again):
    // the dashboard charts the job's energy and residual against it.
    private int _iterations;
    private bool _solved;

    /// <summary>Creates the driver.</summary>
    public FciDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<FciJobSpec>(Spec);
        Receive<FciSolved>(s =>
        {
            if (s.Generation != Generation)
            {
                return;
            }
            _solved = true;
            Progress(1, 1, new Dictionary<string, double> { ["energy"] = s.EnergyHartree, ["iterations"] = _iterations },
                $"E = {s.EnergyHartree:F10} Ha");
            var roots = s.RootEnergies.Select((e, k) => new FciRoot(e, s.RootSpinSquared[k], s.RootIrreps[k])).ToArray();
            Complete(new FciResult(FciWorkload.Verb, _job.SourceName, s.EnergyHartree, s.Dimension, s.NonZeros,
                s.Iterations, s.ResidualNorm, s.Node, PlacementChanges, _job.ReferenceHartree,
                _job.ReferenceHartree is { } reference ? s.EnergyHartree - reference : null, FciResult.InputsOf(_job),
                s.Dimension, s.PeakMemoryBytes, roots));
        });
        Receive<FciIteration>(i =>
        {
            if (i.Generation == Generation)
            {
                _iterations++;
                Progress(0, 1, new Dictionary<string, double>
                    {
                        ["energy"] = i.EnergyHartree,
                        ["residual"] = i.Residual,
                        ["iteration"] = i.Iteration,
                        ["iterations"] = _iterations,
                    },
                    string.Create(CultureInfo.InvariantCulture,
                        $"Davidson {i.Iteration,3}  E {i.EnergyHartree,18:F10} Ha  residual {i.Residual:E2}  {i.Seconds,8:F1} s"));
            }
        });
        Receive<FciFailed>(f =>
        {
            if (f.Generation == Generation)
            {
                Fail($"{_job.SourceName}: {f.Error}");
            }
        });
    }

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_solved ? 1 : 0, 1);

    /// <inheritdoc />
    protected override bool MovesWork(ComputeNode[] previous, ComputeNode[] next) =>
        _node is null || next.All(n => n.Address != _node.Address);

    /// <inheritdoc />
    protected override Dictionary<string, int> WorkPerNode() => _node is null ? [] : new() { [_node.Address] = 1 };

    /// <inheritdoc />
    protected override void OnPlaced()
    {
        _node = Nodes.OrderByDescending(n => n.Throughput).ThenBy(n => n.Address, StringComparer.Ordinal).First();
        OnRestart();
    }

    /// <inheritdoc />
    protected override void OnRestart()
    {
        NewGeneration();
        _iterations = 0;
        var agent = Context.ActorSelection(_node!.AgentPath);
        agent.Tell(new EnsureStage(Spec));
        agent.Tell(new FciWork(JobId, Generation));
        Progress(0, 1, [], $"diagonalising on {_node.Address}");
    }
}
