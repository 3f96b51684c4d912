using System.Diagnostics;
using Dataflow.Actors.Runtime;
using Dataflow.Nqs;
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
public sealed class NqsDriver : JobDriver
{
    private readonly NqsJobSpec _job;
    private readonly string[] _identity;
    private readonly VmcOptions _options;
    private readonly LocalEnergy _localEnergy;
    private readonly TransformerWavefunction _model;
    private readonly double[] _parameters;
    private readonly VmcAdamW _optimizer;
    private readonly List<VmcIteration> _history = [];
    private readonly Stopwatch _phase = new();
    private readonly Dictionary<int, object> _received = [];
    private int _iteration;
    private Round _round = Round.Idle;
    private SampleResult? _samples;
    private SampleRange[] _ranges = [];
    private int _evaluators = 1;
    private LocalEnergyResult? _local;
    private Dictionary<string, double>? _metrics;
    private EnergyStatistics? _statistics;
    private double _samplingSeconds;
    private double _localSeconds;

    /// <summary>Creates the driver, from the job's checkpoint when it has one.</summary>
    public NqsDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<NqsJobSpec>(Spec);
        _identity = _job.Identity();
        _options = _job.Options();
        TorchRuntime.EnsureLoaded(_options.Threads);
        _localEnergy = LocalEnergy.FromFcidump(_options.Arrange(_job.Hamiltonian()));
        // The initial state of VmcOptimizer.Run: seeded model, phase head redrawn.
        _model = new TransformerWavefunction(_localEnergy.Space, _options.Model, _options.Seed);
        if (_options.PhaseInitStd > 0)
        {
            VmcOptimizer.InitializePhaseHead(_model, _options.PhaseInitStd, _options.Seed);
        }
        _parameters = FlatParameters.Get(_model);
        _optimizer = new VmcAdamW(_parameters.Length);
        // A replica (a successor coordinator, a restart), else the checkpoint the client submitted: continue from it.
        var checkpoint = StartCheckpoint is { } bytes ? NqsCheckpoint.FromBytes(bytes) : null;
        if (checkpoint is not null)
        {
            if (checkpoint.Mismatch(_identity) is { } mismatch)
            {
                throw new ArgumentException(mismatch, "resume");
            }
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
        }

        Receive<NqsSampled>(m => Collect(Round.Sampling, m.Generation, m.Iteration, m.Sampler, m.Samples, _job.LogicalSamplers, FinishSampling));
        Receive<NqsLocalEnergies>(m => Collect(Round.LocalEnergy, m.Generation, m.Iteration, m.Evaluator, m.Result, _evaluators, FinishLocalEnergy));
        Receive<NqsGradient>(m => Collect(Round.Gradient, m.Generation, m.Iteration, m.Evaluator, m.Bits, _evaluators, FinishGradient));
        Receive<NqsFailed>(f =>
        {
            if (f.Generation == Generation)
            {
                Fail($"{_job.SourceName}: {f.Error} (on {f.Node})");
            }
        });
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

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_iteration, _options.Iterations);

    /// <inheritdoc />
    protected override Dictionary<string, double>? StatusMetrics() => _metrics;

    /// <inheritdoc />
    /// <remarks>Logical samplers plus evaluators per node.</remarks>
    protected override Dictionary<string, int> WorkPerNode()
    {
        var perNode = new Dictionary<string, int>();
        foreach (var n in Assign(_job.LogicalSamplers).Concat(Assign(_evaluators)))
        {
            perNode[Nodes[n].Address] = perNode.GetValueOrDefault(Nodes[n].Address) + 1;
        }
        return perNode;
    }

    /// <inheritdoc />
    /// <remarks>Results of the interrupted round are recomputed on the new placement (same bits).</remarks>
    protected override void OnPlaced() => StartSampling();

    /// <inheritdoc />
    /// <remarks>The parameters are those after the last completed iteration, which this re-runs.</remarks>
    protected override void OnRestart() => StartSampling();

    private void StartSampling()
    {
        NewGeneration();
        _received.Clear();
        if (_iteration >= _options.Iterations)
        {
            Finish();
            return;
        }
        _round = Round.Sampling;
        ArmStepTimeout();
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
            node.Tell(new NqsSampleWork(JobId, Generation, _iteration, _parameters, samples, items,
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
        _evaluators = _job.Evaluators > 0 ? _job.Evaluators : Nodes.Length;
        _ranges = LocalEnergy.PartitionByCost(_localEnergy.EstimateCosts(_samples), _evaluators, VmcGradient.DefaultChunk);
        foreach (var (node, items) in Place(_evaluators))
        {
            node.Tell(new NqsLocalWork(JobId, Generation, _iteration, _parameters, _samples, items,
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
        // VmcOptimizer's update direction, its weighted sum computed by the evaluators.
        var objective = VmcOptimizer.Objective(_samples!, _local, _statistics.EnergyHartree, _options, _iteration);
        foreach (var (node, items) in Place(_evaluators))
        {
            node.Tell(new NqsGradientWork(JobId, Generation, _iteration, _parameters, _samples!, objective.Weights,
                objective.Energies, objective.BaselineHartree, items, items.Select(i => _ranges[i]).ToArray()));
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
        _metrics = metrics;
        _iteration++;
        Progress(_iteration, _options.Iterations, metrics, "");
        if (_iteration % _job.CheckpointEvery == 0 || _iteration == _options.Iterations)
        {
            Checkpoint();
        }
        StartSampling();
    }

    private void Checkpoint()
    {
        var (m, v, steps) = _optimizer.State;
        var checkpoint = new NqsCheckpoint(_iteration, (double[])_parameters.Clone(), m, v, steps, _history.ToArray(), _identity);
        var bytes = checkpoint.ToBytes();
        if (_job.CheckpointFiles)
        {
            OutputCheckpoint(NqsCheckpoint.FileName, bytes);
        }
        Replicate(_iteration, bytes);
    }

    private void Collect(Round round, int generation, int iteration, int index, object part, int expected,
        Action<Dictionary<int, object>> complete)
    {
        if (round != _round || generation != Generation || iteration != _iteration || Ended)
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

    private void Finish()
    {
        _round = Round.Done;
        DisarmStepTimeout();
        var (energy, error, variance, _) = VmcOptimizer.Summarise(_history, _options.AveragedIterations);
        Complete(new NqsResult(NqsWorkload.Verb, _job.SourceName, energy, error, variance, _history.Count,
            _history[^1].Unique, PlacementChanges, _job.ReferenceHartree,
            _job.ReferenceHartree is { } reference ? energy - reference : null,
            _history.Select(NqsIteration.From).ToArray(), NqsResult.InputsOf(_job)));
    }
}
