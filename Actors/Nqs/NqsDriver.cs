using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Dataflow.Kernels.Scheduling;

namespace Dataflow.Actors.Nqs;

/// <summary>Drives an <c>nqs</c> job: each VMC iteration in three rounds over the nodes' stages (logical samplers
/// finish prefix subtrees; evaluators compute local energies of cost-balanced sample ranges; evaluators return
/// partial gradients as exact fixed-point sums), then the AdamW step here.</summary>
/// <remarks>Every round's results are combined in logical order and the partial gradients exactly, and ranges are
/// cut at multiples of the gradient chunk, so an iteration gives the bits of <see cref="VmcOptimizer.Run(LocalEnergy,
/// VmcOptions, Action{VmcIteration})"/> whatever the number of nodes; a membership change re-runs the current
/// iteration on the new placement.</remarks>
public sealed class NqsDriver : ReceiveActor
{
    private readonly JobSpec _spec;
    private readonly NqsJobSpec _job;
    private readonly VmcOptions _options;
    private readonly LocalEnergy _localEnergy;
    private readonly TransformerWavefunction _model;
    private readonly double[] _parameters;
    private readonly VmcAdamW _optimizer;
    private readonly List<VmcIteration> _history = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Stopwatch _phase = new();
    private readonly Dictionary<int, object> _received = [];
    private IActorRef _client;
    private ComputeNode[] _nodes = [];
    private int _generation;
    private int _placementChanges;
    private int _iteration;
    private Round _round = Round.Idle;
    private SampleResult? _samples;
    private SampleRange[] _ranges = [];
    private int _evaluators = 1;
    private LocalEnergyResult? _local;
    private EnergyStatistics? _statistics;
    private double _samplingSeconds;
    private double _localSeconds;

    /// <summary>Creates the driver.</summary>
    public NqsDriver(JobSpec spec, IActorRef client, ReplicateCheckpoint? recovered)
    {
        _spec = spec;
        _client = client;
        _job = Workload.Decode<NqsJobSpec>(spec);
        _options = _job.Options();
        TorchRuntime.EnsureLoaded(_options.Threads);
        _localEnergy = LocalEnergy.FromFcidump(_options.Arrange(FcidumpReader.ParseText(_job.FcidumpText, _job.SourceName)));
        // The initial state of VmcOptimizer.Run: seeded model, phase head redrawn.
        _model = new TransformerWavefunction(_localEnergy.Space, _options.Model, _options.Seed);
        if (_options.PhaseInitStd > 0)
        {
            VmcOptimizer.InitializePhaseHead(_model, _options.PhaseInitStd, _options.Seed);
        }
        _parameters = FlatParameters.Get(_model);
        _optimizer = new VmcAdamW(_parameters.Length);
        // A successor coordinator's replica, else the checkpoint directory's file: continue where it stopped.
        var checkpoint = recovered is not null
            ? NqsCheckpoint.FromBytes(recovered.Checkpoint)
            : _job.CheckpointDirectory is { } dir ? NqsCheckpoint.Load(dir) : null;
        if (checkpoint is not null)
        {
            if (checkpoint.Parameters.Length != _parameters.Length)
            {
                throw new ArgumentException(
                    $"the checkpoint holds {checkpoint.Parameters.Length} parameters, this model {_parameters.Length}: not this job's", "resume");
            }
            checkpoint.Parameters.CopyTo(_parameters, 0);
            FlatParameters.Set(_model, _parameters);
            _optimizer.Restore(checkpoint.M, checkpoint.V, checkpoint.Steps);
            _history.AddRange(checkpoint.History);
            _iteration = checkpoint.Iteration;
            _placementChanges = recovered?.PlacementChanges ?? 0;
        }

        Receive<NodesChanged>(changed =>
        {
            var same = changed.Nodes.Select(n => n.Address).SequenceEqual(_nodes.Select(n => n.Address));
            if (same && _nodes.Length > 0)
            {
                _nodes = changed.Nodes;
                return;
            }
            if (_nodes.Length > 0)
            {
                _placementChanges++;
            }
            _nodes = changed.Nodes;
            foreach (var node in _nodes)
            {
                Context.ActorSelection(node.AgentPath).Tell(new EnsureStage(_spec));
            }
            // Results of the interrupted round are recomputed on the new placement (same bits).
            StartSampling();
        });
        Receive<NqsSampled>(m => Collect(Round.Sampling, m.Generation, m.Iteration, m.Sampler, m.Samples, _job.LogicalSamplers, FinishSampling));
        Receive<NqsLocalEnergies>(m => Collect(Round.LocalEnergy, m.Generation, m.Iteration, m.Evaluator, m.Result, _evaluators, FinishLocalEnergy));
        Receive<NqsGradient>(m => Collect(Round.Gradient, m.Generation, m.Iteration, m.Evaluator, m.Bits, _evaluators, FinishGradient));
        Receive<NqsFailed>(f =>
        {
            if (f.Generation == _generation)
            {
                Fail($"{_job.SourceName}: {f.Error} (on {f.Node})");
            }
        });
        Receive<StageUnavailable>(u => Fail($"its stage cannot run on {u.Node}: {u.Error}"));
        Receive<CancelJob>(c => Fail($"cancelled: {c.Reason}"));
        Receive<WatchJob>(w => _client = w.Client);
    }

    private enum Round
    {
        Idle,
        Sampling,
        LocalEnergy,
        Gradient,
        Done,
    }

    /// <inheritdoc />
    protected override void PostStop() => _model.Dispose();

    private void StartSampling()
    {
        _generation++;
        _received.Clear();
        if (_nodes.Length == 0)
        {
            _round = Round.Idle;
            _client.Tell(new JobProgress(_spec.JobId, _iteration, _options.Iterations, [], "waiting for compute nodes"));
            return;
        }
        if (_iteration >= _options.Iterations)
        {
            Finish();
            return;
        }
        _round = Round.Sampling;
        _phase.Restart();
        TorchRuntime.EnsureLoaded(_options.Threads);
        var samples = _options.SamplesAt(_iteration);
        var splitter = new AutoregressiveSampler(_model, new SamplerOptions
        {
            Samples = samples,
            Seed = _options.Seed,
            Iteration = _iteration,
        });
        var prefixes = splitter.SplitPrefixes(Math.Min(AutoregressiveSampler.SplitDepth, _localEnergy.Space.Orbitals), _job.LogicalSamplers);
        foreach (var (node, items) in Place(_job.LogicalSamplers))
        {
            node.Tell(new NqsSampleWork(_spec.JobId, _generation, _iteration, _parameters, samples, items,
                items.Select(i => prefixes[i]).ToArray()));
        }
    }

    private void FinishSampling(Dictionary<int, object> parts)
    {
        _samples = SampleResult.Merge(Enumerable.Range(0, _job.LogicalSamplers).Select(i => (SampleResult)parts[i]));
        _samplingSeconds = _phase.Elapsed.TotalSeconds;
        _phase.Restart();
        _round = Round.LocalEnergy;
        // Results do not depend on the number of evaluators (exact gradient sums over fixed micro-batches), so by
        // default each compute node runs one: one deduplicated connected set per node, no work evaluated twice there.
        _evaluators = _job.Evaluators > 0 ? _job.Evaluators : _nodes.Length;
        _ranges = LocalEnergy.PartitionByCost(_localEnergy.EstimateCosts(_samples), _evaluators, VmcGradient.DefaultChunk);
        foreach (var (node, items) in Place(_evaluators))
        {
            node.Tell(new NqsLocalWork(_spec.JobId, _generation, _iteration, _parameters, _samples, items,
                items.Select(i => _ranges[i]).ToArray()));
        }
    }

    private void FinishLocalEnergy(Dictionary<int, object> parts)
    {
        var results = Enumerable.Range(0, _evaluators).Select(i => (LocalEnergyResult)parts[i]).ToList();
        _statistics = EnergyStatistics.Compute(_samples!, results);
        _local = new LocalEnergyResult(SampleRange.All(_samples!), results.SelectMany(r => r.RealHartree).ToArray(),
            results.SelectMany(r => r.ImaginaryHartree).ToArray(), results.Sum(r => r.ConnectedElements), results.Sum(r => r.Inferred));
        _localSeconds = _phase.Elapsed.TotalSeconds;
        _phase.Restart();
        _round = Round.Gradient;
        if (_options.UsesReconfigurationAt(_iteration))
        {
            // Stochastic reconfiguration solves one system over the samples' log-derivatives: here, from the local
            // energies the evaluators returned (the same function as VmcOptimizer's, so the same bits).
            TorchRuntime.EnsureLoaded(_options.GradientThreads);
            Complete(StochasticReconfiguration.Step(_model, _samples!, _local, _options, _iteration, _parameters));
            return;
        }
        // VmcOptimizer's update direction: count weights and the plain energy, or amplitude-power weights and the
        // annealed energies centred on their weighted mean.
        var temperature = _options.TemperatureAt(_iteration);
        double[] weights;
        LocalEnergyResult energies;
        double baseline;
        if (_options.GradientWeightExponent == 1.0 && temperature == 0.0)
        {
            var n = (double)_samples!.Samples;
            weights = _samples.Counts.Select(c => c / n).ToArray();
            energies = _local;
            baseline = _statistics.EnergyHartree;
        }
        else
        {
            weights = VmcGradient.AmplitudeWeights(_samples!, _options.GradientWeightExponent);
            energies = VmcGradient.WithEntropy(_samples!, _local, temperature);
            baseline = 0.0;
            for (var i = 0; i < weights.Length; i++)
            {
                baseline += weights[i] * energies.RealHartree[i];
            }
        }
        foreach (var (node, items) in Place(_evaluators))
        {
            node.Tell(new NqsGradientWork(_spec.JobId, _generation, _iteration, _parameters, _samples!, weights, energies,
                baseline, items, items.Select(i => _ranges[i]).ToArray()));
        }
    }

    private void FinishGradient(Dictionary<int, object> parts)
    {
        var sum = new GradientSum(_parameters.Length);
        for (var i = 0; i < _evaluators; i++)
        {
            sum.Add(GradientSum.FromBits((long[])parts[i]));
        }
        var learningRate = _options.LearningRateAt(_iteration);
        _optimizer.Step(_parameters, sum.ToDoubles(), learningRate, _options.WeightDecay);
        Complete(learningRate);
    }

    /// <summary>After the parameters took this iteration's step: records it, reports, checkpoints and samples again.</summary>
    private void Complete(double learningRate)
    {
        FlatParameters.Set(_model, _parameters);
        var record = new VmcIteration(_iteration, _statistics!, learningRate, _local!.ConnectedElements, _samplingSeconds,
            _localSeconds, _phase.Elapsed.TotalSeconds);
        _history.Add(record);
        var metrics = new Dictionary<string, double>
        {
            ["energy"] = record.EnergyHartree,
            ["variance"] = record.VarianceHartree2,
            ["unique"] = record.Unique,
            ["samplingSeconds"] = record.SamplingSeconds,
            ["localEnergySeconds"] = record.LocalEnergySeconds,
            ["gradientSeconds"] = record.GradientSeconds,
        };
        if (_job.ReferenceHartree is { } reference)
        {
            metrics["error"] = record.EnergyHartree - reference;
        }
        _client.Tell(new JobProgress(_spec.JobId, _iteration + 1, _options.Iterations, metrics, ""));
        ReportStatus(_iteration + 1, metrics);
        _iteration++;
        if (_iteration % _job.CheckpointEvery == 0 || _iteration == _options.Iterations)
        {
            Checkpoint();
        }
        StartSampling();
    }

    private void Checkpoint()
    {
        var (m, v, steps) = _optimizer.State;
        var checkpoint = new NqsCheckpoint(_iteration, (double[])_parameters.Clone(), m, v, steps, _history.ToArray());
        if (_job.CheckpointDirectory is { } dir)
        {
            checkpoint.Save(dir);
        }
        var replica = new ReplicateCheckpoint(_spec, _client, _iteration, checkpoint.ToBytes(), _placementChanges, _clock.Elapsed.TotalSeconds);
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(replica);
        }
    }

    private void Collect(Round round, int generation, int iteration, int index, object part, int expected,
        Action<Dictionary<int, object>> complete)
    {
        if (round != _round || generation != _generation || iteration != _iteration)
        {
            return;
        }
        _received[index] = part;
        if (_received.Count < expected)
        {
            return;
        }
        var parts = new Dictionary<int, object>(_received);
        _received.Clear();
        complete(parts);
    }

    /// <summary>The node index of each of <paramref name="count"/> work items, by measured throughput.</summary>
    private int[] Assign(int count) => ProportionalPlacement.Assign(count, _nodes.Select(n => n.Throughput).ToArray());

    /// <summary>Work items 0..count-1 spread over the nodes by measured throughput (contiguous blocks).</summary>
    private IEnumerable<(ActorSelection Node, int[] Items)> Place(int count)
    {
        var placement = Assign(count);
        for (var n = 0; n < _nodes.Length; n++)
        {
            var items = Enumerable.Range(0, count).Where(i => placement[i] == n).ToArray();
            if (items.Length > 0)
            {
                yield return (Context.ActorSelection(_nodes[n].AgentPath), items);
            }
        }
    }

    private void Finish()
    {
        _round = Round.Done;
        var window = _history.TakeLast(Math.Min(_options.AveragedIterations, _history.Count)).ToList();
        var energy = window.Average(i => i.EnergyHartree);
        var error = Math.Sqrt(window.Sum(i => i.Statistics.StandardErrorHartree * i.Statistics.StandardErrorHartree)) / window.Count;
        var result = new Dictionary<string, object?>
        {
            ["workload"] = NqsWorkload.Verb,
            ["fcidump"] = _job.SourceName,
            ["energy"] = energy,
            ["energyStdErr"] = error,
            ["variance"] = window.Average(i => i.VarianceHartree2),
            ["iterations"] = _history.Count,
            ["nUnique"] = _history[^1].Unique,
            ["seconds"] = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            ["placementChanges"] = _placementChanges,
            ["history"] = _history.Select(h => new Dictionary<string, double>
            {
                ["iteration"] = h.Iteration,
                ["energy"] = h.EnergyHartree,
                ["variance"] = h.VarianceHartree2,
                ["seconds"] = h.SamplingSeconds + h.LocalEnergySeconds + h.GradientSeconds,
                ["unique"] = h.Unique,
                ["samplingSeconds"] = h.SamplingSeconds,
                ["localEnergySeconds"] = h.LocalEnergySeconds,
                ["gradientSeconds"] = h.GradientSeconds,
            }).ToArray(),
        };
        if (_job.ReferenceHartree is { } reference)
        {
            result["reference"] = reference;
            result["error"] = energy - reference;
        }
        _client.Tell(new JobCompleted(_spec.JobId, JsonSerializer.Serialize(result)));
        End("completed");
    }

    private void Fail(string error)
    {
        if (_round == Round.Done)
        {
            return;
        }
        _round = Round.Done;
        _client.Tell(new JobFailed(_spec.JobId, error));
        End("failed");
    }

    /// <summary>The job's line in <c>dataflow status</c>: iterations done, logical samplers plus evaluators per node, and
    /// the latest energy metrics.</summary>
    private void ReportStatus(long done, Dictionary<string, double> metrics)
    {
        var perNode = new Dictionary<string, int>();
        foreach (var n in Assign(_job.LogicalSamplers).Concat(Assign(_evaluators)))
        {
            perNode[_nodes[n].Address] = perNode.GetValueOrDefault(_nodes[n].Address) + 1;
        }
        Context.Parent.Tell(new DriverStatus(new JobInfo(_spec.JobId, _spec.Workload, "running", done, _options.Iterations,
            perNode, _placementChanges, metrics)));
    }

    private void End(string state)
    {
        Context.Parent.Tell(new DriverStatus(new JobInfo(_spec.JobId, _spec.Workload, state, _iteration, _options.Iterations,
            [], _placementChanges)));
        foreach (var node in _nodes)
        {
            Context.ActorSelection(node.AgentPath).Tell(new StopStage(_spec.JobId));
        }
        Context.Parent.Tell(new DriverFinished(_spec.JobId));
        Context.Stop(Self);
    }
}
