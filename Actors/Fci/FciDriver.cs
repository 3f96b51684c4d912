using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow.Actors.Fci;

/// <summary>Drives an <c>fci</c> job: runs it on the fastest compute node; re-runs it elsewhere if that node goes.</summary>
public sealed class FciDriver : ReceiveActor
{
    private readonly JobSpec _spec;
    private readonly FciJobSpec _job;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private IActorRef _client;
    private ComputeNode? _node;
    private int _generation;
    private int _placementChanges;

    /// <summary>Creates the driver.</summary>
    public FciDriver(JobSpec spec, IActorRef client)
    {
        _spec = spec;
        _job = Workload.Decode<FciJobSpec>(spec);
        _client = client;
        Receive<NodesChanged>(changed =>
        {
            if (_node is not null && changed.Nodes.Any(n => n.Address == _node.Address))
            {
                return;
            }
            if (_node is not null)
            {
                _placementChanges++;
            }
            _node = changed.Nodes.OrderByDescending(n => n.Throughput).ThenBy(n => n.Address, StringComparer.Ordinal)
                .FirstOrDefault();
            _generation++;
            if (_node is null)
            {
                Progress("waiting for compute nodes");
                return;
            }
            var agent = Context.ActorSelection(_node.AgentPath);
            agent.Tell(new EnsureStage(_spec));
            agent.Tell(new FciWork(_spec.JobId, _generation));
            Progress($"diagonalising on {_node.Address}");
        });
        Receive<FciSolved>(s =>
        {
            if (s.Generation != _generation)
            {
                return;
            }
            var result = new Dictionary<string, object?>
            {
                ["workload"] = FciWorkload.Verb,
                ["fcidump"] = _job.SourceName,
                ["energy"] = s.EnergyHartree,
                ["dimension"] = s.Dimension,
                ["nonZeros"] = s.NonZeros,
                ["iterations"] = s.Iterations,
                ["residualNorm"] = s.ResidualNorm,
                ["node"] = s.Node,
                ["placementChanges"] = _placementChanges,
                ["seconds"] = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            };
            if (_job.ReferenceHartree is { } reference)
            {
                result["reference"] = reference;
                result["error"] = s.EnergyHartree - reference;
            }
            _client.Tell(new JobProgress(_spec.JobId, 1, 1, new Dictionary<string, double> { ["energy"] = s.EnergyHartree },
                $"E = {s.EnergyHartree:F10} Ha"));
            _client.Tell(new JobCompleted(_spec.JobId, JsonSerializer.Serialize(result)));
            End("completed");
        });
        Receive<FciFailed>(f =>
        {
            if (f.Generation == _generation)
            {
                _client.Tell(new JobFailed(_spec.JobId, $"{_job.SourceName}: {f.Error}"));
                End("failed");
            }
        });
        Receive<StageUnavailable>(u =>
        {
            _client.Tell(new JobFailed(_spec.JobId, $"its stage cannot run on {u.Node}: {u.Error}"));
            End("failed");
        });
        Receive<CancelJob>(c =>
        {
            _client.Tell(new JobFailed(_spec.JobId, $"cancelled: {c.Reason}"));
            End("failed");
        });
        Receive<WatchJob>(w => _client = w.Client);
    }

    private void Progress(string note)
    {
        _client.Tell(new JobProgress(_spec.JobId, 0, 1, [], note));
        Context.Parent.Tell(new DriverStatus(new JobInfo(_spec.JobId, _spec.Workload, "running", 0, 1,
            _node is null ? [] : new Dictionary<string, int> { [_node.Address] = 1 }, _placementChanges)));
    }

    private void End(string state)
    {
        Context.Parent.Tell(new DriverStatus(new JobInfo(_spec.JobId, _spec.Workload, state, 1, 1, [], _placementChanges)));
        if (_node is not null)
        {
            Context.ActorSelection(_node.AgentPath).Tell(new StopStage(_spec.JobId));
        }
        Context.Parent.Tell(new DriverFinished(_spec.JobId));
        Context.Stop(Self);
    }
}
