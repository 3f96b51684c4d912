using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Actors.Nqs;

/// <summary>An nqs job's stage on one node: a replica of the wavefunction that runs the logical samplers and the
/// local-energy and gradient evaluators placed here, with the parameters each message carries.</summary>
/// <remarks>Each role has its own telemetry row (stage <c>nqs-sampler</c>, items: unique samples drawn;
/// <c>nqs-local-energy</c>, items: connected elements; <c>nqs-gradient</c>, items: samples differentiated), so
/// <c>dataflow status</c> shows the throughput and busy time of every role on every node.</remarks>
public sealed class NqsStage : ReceiveActor
{
    private readonly string _node;
    private readonly NqsJobSpec _job;
    private readonly VmcOptions _options;
    private readonly StageTelemetry _sampling;
    private readonly StageTelemetry _localEnergyTelemetry;
    private readonly StageTelemetry _gradient;
    private TransformerWavefunction? _model;
    private LocalEnergy? _localEnergy;
    private PrefixTreeEvaluator? _evaluator;
    private readonly CancellationToken _cancel;

    /// <summary>Creates the stage for <paramref name="spec"/> on <paramref name="node"/>.</summary>
    public NqsStage(JobSpec spec, string node)
    {
        _node = node;
        _job = Workload.Decode<NqsJobSpec>(spec);
        _options = _job.Options();
        _sampling = new StageTelemetry(spec.JobId, "nqs-sampler", Self.Path.Name, node, spec.Workload);
        _sampling.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        _localEnergyTelemetry = new StageTelemetry(spec.JobId, "nqs-local-energy", Self.Path.Name, node, spec.Workload);
        _gradient = new StageTelemetry(spec.JobId, "nqs-gradient", Self.Path.Name, node, spec.Workload);
        _cancel = StageCancellation.Get(Context.System).For(spec.JobId);
        Receive<NqsSampleWork>(w => Run(w.Generation, _sampling, () =>
        {
            var model = Model(w.Parameters, _options.Threads);
            for (var k = 0; k < w.Samplers.Length; k++)
            {
                _cancel.ThrowIfCancellationRequested();
                var sampler = new AutoregressiveSampler(model, new SamplerOptions
                {
                    Samples = w.Samples,
                    Seed = _options.Seed,
                    Iteration = w.Iteration,
                });
                var result = sampler.SampleSubtrees(w.Prefixes[k]);
                _sampling.AddItems(result.Unique);
                Sender.Tell(new NqsSampled(w.Generation, w.Iteration, w.Samplers[k], result));
            }
        }));
        Receive<NqsLocalWork>(w => Run(w.Generation, _localEnergyTelemetry, () =>
        {
            Model(w.Parameters, _options.Threads);
            for (var k = 0; k < w.Evaluators.Length; k++)
            {
                _cancel.ThrowIfCancellationRequested();
                var result = _localEnergy!.Compute(w.Samples, _evaluator, _options.LocalEnergyMode, w.Ranges[k]);
                _localEnergyTelemetry.AddItems(result.ConnectedElements);
                Sender.Tell(new NqsLocalEnergies(w.Generation, w.Iteration, w.Evaluators[k], result));
            }
        }));
        Receive<NqsGradientWork>(w => Run(w.Generation, _gradient, () =>
        {
            var model = Model(w.Parameters, _options.GradientThreads);
            for (var k = 0; k < w.Evaluators.Length; k++)
            {
                _cancel.ThrowIfCancellationRequested();
                var sum = VmcGradient.Partial(model, w.Samples, w.Weights, w.Energies.Slice(w.Ranges[k]), w.Baseline);
                _gradient.AddItems(w.Ranges[k].Count);
                Sender.Tell(new NqsGradient(w.Generation, w.Iteration, w.Evaluators[k], sum.ToBits()));
            }
        }));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _sampling.Dispose();
        _localEnergyTelemetry.Dispose();
        _gradient.Dispose();
        _model?.Dispose();
    }

    private void Run(int generation, StageTelemetry telemetry, Action work)
    {
        using var busy = telemetry.MeasureMessage();
        try
        {
            _cancel.ThrowIfCancellationRequested();
            work();
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // The job ended or the node is leaving: nobody waits for these results.
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            Sender.Tell(new NqsFailed(generation, _node, e.Message));
        }
    }

    /// <summary>The replica with <paramref name="parameters"/>, on this thread's libtorch with <paramref name="threads"/>
    /// intra-op threads (set for every message: the count is per thread in libtorch, and roles and jobs differ).</summary>
    private TransformerWavefunction Model(double[] parameters, int threads)
    {
        TorchRuntime.EnsureLoaded(threads);
        if (_model is null)
        {
            _localEnergy = LocalEnergy.FromFcidump(_options.Arrange(_job.Hamiltonian()));
            _model = new TransformerWavefunction(_localEnergy.Space, _options.Model, _options.Seed);
            _evaluator = new PrefixTreeEvaluator(_model);
        }
        FlatParameters.Set(_model, parameters);
        return _model;
    }
}
