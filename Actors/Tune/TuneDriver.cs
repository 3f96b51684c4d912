using System.Text;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Tune;
using Dataflow.Tune;

namespace Dataflow.Actors.Tune;

/// <summary>Drives a <c>tune</c> job: rounds of candidates from the <see cref="Tuner"/>, each candidate sent to one
/// node's measurer in proportion to the nodes' throughput; a round is accepted when every candidate is back.</summary>
/// <remarks>
/// A candidate is one message, so a node that leaves mid-round loses only the candidates it had not answered: those
/// are sent again to the remaining nodes, the answered ones are kept. Every accepted round is appended to the log
/// stream (<c>tune.jsonl</c> in the job's folder and the client's <c>--log</c>) and replicated as the checkpoint, from
/// which a restarted driver resumes without measuring a candidate twice.
/// </remarks>
public sealed class TuneDriver : JobDriver
{
    /// <summary>The output stream of the log's lines.</summary>
    public const string LogStream = "log";

    private readonly TuneJobSpec _job;
    private readonly Tuner _tuner;
    private readonly Dictionary<(int Task, string Schedule), string> _outstanding = [];
    private readonly List<TuneRecord> _round = [];
    private readonly StringBuilder _log = new();
    private readonly Dictionary<string, int> _perNode = [];
    private string _machine = "";
    private int _rounds;
    private bool _started;

    /// <summary>Creates the driver, resuming from the job's checkpoint when it has one.</summary>
    public TuneDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<TuneJobSpec>(Spec);
        _tuner = new Tuner(_job.ToModel(), _job.ToOptions(), _job.PreviousRecords());
        if (StartCheckpoint is { Length: > 0 } bytes)
        {
            var text = Encoding.UTF8.GetString(bytes);
            var records = TuneRecord.ParseLog(text, "checkpoint");
            _tuner.Accept(records);
            _log.Append(text);
            foreach (var r in records)
            {
                _perNode[r.Node] = _perNode.GetValueOrDefault(r.Node) + 1;
                _machine = r.Machine;
            }
        }
        Receive<TuneMeasured>(OnMeasured);
        Receive<TuneMeasureFailed>(f =>
        {
            if (f.Generation == Generation)
            {
                Fail($"measurer on {f.Node}: {f.Error}");
            }
        });
    }

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_tuner.Measurements, _job.Budget);

    /// <inheritdoc />
    protected override Dictionary<string, int> WorkPerNode() =>
        _outstanding.Values.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

    /// <inheritdoc />
    protected override void OnPlaced()
    {
        if (!_started)
        {
            _started = true;
            NextRound();
            return;
        }
        // Only the candidates of nodes that left go elsewhere; the others are still being measured.
        var addresses = Nodes.Select(n => n.Address).ToHashSet();
        Send(_outstanding.Where(kv => !addresses.Contains(kv.Value)).Select(kv => kv.Key).ToList());
    }

    /// <inheritdoc />
    protected override void OnRestart()
    {
        if (_outstanding.Count == 0)
        {
            NextRound();
            return;
        }
        NewGeneration();
        Send([.. _outstanding.Keys]);
    }

    private void NextRound()
    {
        var batches = _tuner.Propose();
        if (batches.Count == 0)
        {
            Finish();
            return;
        }
        NewGeneration();
        _rounds++;
        _round.Clear();
        var items = batches.SelectMany(b => b.Candidates.Select(c => (b.TaskIndex, c.Key))).ToList();
        foreach (var item in items)
        {
            _outstanding[item] = "";
        }
        Send(items);
    }

    private void Send(List<(int Task, string Schedule)> items)
    {
        if (items.Count == 0)
        {
            return;
        }
        var placement = Assign(items.Count);
        for (var k = 0; k < items.Count; k++)
        {
            var node = Nodes[placement[k]];
            _outstanding[items[k]] = node.Address;
            Agent(placement[k]).Tell(new TuneMeasure(JobId, Generation, items[k].Task, [items[k].Schedule]));
        }
        ArmStepTimeout();
    }

    private void OnMeasured(TuneMeasured m)
    {
        var task = _tuner.Model.Tasks[m.TaskIndex];
        for (var k = 0; k < m.Schedules.Length; k++)
        {
            if (!_outstanding.Remove((m.TaskIndex, m.Schedules[k])))
            {
                continue;
            }
            _round.Add(new TuneRecord(task.Key, m.Schedules[k], m.MedianSeconds[k], m.Repeats[k], m.Node, m.Machine));
            _perNode[m.Node] = _perNode.GetValueOrDefault(m.Node) + 1;
            _machine = m.Machine;
        }
        if (_outstanding.Count > 0)
        {
            ArmStepTimeout();
            return;
        }
        DisarmStepTimeout();
        ResetRestarts();
        _tuner.Accept(_round);
        var lines = string.Concat(_round.Select(r => r.ToJsonLine() + "\n"));
        _log.Append(lines);
        OutputAppended(LogStream, "tune.jsonl", Encoding.UTF8.GetBytes(lines));
        Replicate(_rounds, Encoding.UTF8.GetBytes(_log.ToString()));
        Progress(_tuner.Measurements, _job.Budget, new Dictionary<string, double>
        {
            ["latency"] = _tuner.BestLatencySeconds,
            ["untuned"] = _tuner.UntunedLatencySeconds,
        }, $"round {_rounds}: {_tuner.Measurements} measurements, latency {_tuner.BestLatencySeconds * 1e3:F3} ms (untuned {_tuner.UntunedLatencySeconds * 1e3:F3} ms)");
        NextRound();
    }

    private void Finish()
    {
        var tasks = _tuner.TaskResults.Select(r => new TuneTaskResult(r.Task.Key, r.Task.Name, r.Family, r.Task.Weight,
            Finite(r.UntunedSeconds), Finite(r.BestSeconds), r.BestSchedule?.Key ?? "", r.Measurements)).ToArray();
        Complete(new TuneResult(
            TuneWorkload.Verb, _job.Model, _job.Policy, _job.Grouping, _tuner.Measurements,
            Finite(_tuner.UntunedLatencySeconds), Finite(_tuner.BestLatencySeconds),
            _tuner.BestLatencySeconds > 0 ? Finite(_tuner.UntunedLatencySeconds / _tuner.BestLatencySeconds) : 0,
            tasks,
            _tuner.Curve.Select(c => new TuneCurvePoint(c.Measurements, Finite(c.LatencySeconds))).ToArray(),
            _perNode.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new TuneNodeShare(kv.Key, kv.Value)).ToArray(),
            _machine, PlacementChanges, TuneResult.InputsOf(_job)));
    }

    // JSON has no NaN: a task without its untuned measurement (resumed without it) reports 0.
    private static double Finite(double x) => double.IsFinite(x) ? x : 0;
}
