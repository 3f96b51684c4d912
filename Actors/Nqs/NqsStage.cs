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
public sealed class NqsStage : ReceiveActor
{
    private readonly string _node;
    private readonly NqsJobSpec _job;
    private readonly VmcOptions _options;
    private readonly StageTelemetry _telemetry;
    private TransformerWavefunction? _model;
    private LocalEnergy? _localEnergy;
    private PrefixTreeEvaluator? _evaluator;

    /// <summary>Creates the stage for <paramref name="spec"/> on <paramref name="node"/>.</summary>
    public NqsStage(JobSpec spec, string node)
    {
        _node = node;
        _job = Workload.Decode<NqsJobSpec>(spec);
        _options = _job.Options();
        _telemetry = new StageTelemetry(spec.JobId, "nqs", Self.Path.Name, node);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<NqsSampleWork>(w => Run(w.Generation, () =>
        {
            var model = Model(w.Parameters);
            for (var k = 0; k < w.Samplers.Length; k++)
            {
                var sampler = new AutoregressiveSampler(model, new SamplerOptions
                {
                    Samples = w.Samples,
                    Seed = _options.Seed,
                    Iteration = w.Iteration,
                });
                var result = sampler.SampleSubtrees(w.Prefixes[k]);
                _telemetry.AddItems(result.Unique);
                Sender.Tell(new NqsSampled(w.Generation, w.Iteration, w.Samplers[k], result));
            }
        }));
        Receive<NqsLocalWork>(w => Run(w.Generation, () =>
        {
            Model(w.Parameters);
            for (var k = 0; k < w.Evaluators.Length; k++)
            {
                var result = _localEnergy!.Compute(w.Samples, _evaluator, _options.LocalEnergyMode, w.Ranges[k]);
                _telemetry.AddItems(w.Ranges[k].Count);
                Sender.Tell(new NqsLocalEnergies(w.Generation, w.Iteration, w.Evaluators[k], result));
            }
        }));
        Receive<NqsGradientWork>(w => Run(w.Generation, () =>
        {
            var model = Model(w.Parameters);
            for (var k = 0; k < w.Evaluators.Length; k++)
            {
                var sum = VmcGradient.Partial(model, w.Samples, w.Weights, w.Energies.Slice(w.Ranges[k]), w.Baseline);
                Sender.Tell(new NqsGradient(w.Generation, w.Iteration, w.Evaluators[k], sum.ToBits()));
            }
        }));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _telemetry.Dispose();
        _model?.Dispose();
    }

    private void Run(int generation, Action work)
    {
        using var busy = _telemetry.MeasureMessage();
        try
        {
            work();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            Sender.Tell(new NqsFailed(generation, _node, e.Message));
        }
    }

    private TransformerWavefunction Model(double[] parameters)
    {
        if (_model is null)
        {
            TorchRuntime.EnsureLoaded(_options.Threads);
            _localEnergy = LocalEnergy.FromFcidump(FcidumpReader.ParseText(_job.FcidumpText, _job.SourceName));
            _model = new TransformerWavefunction(_localEnergy.Space, _options.Model, _options.Seed);
            _evaluator = new PrefixTreeEvaluator(_model);
        }
        FlatParameters.Set(_model, parameters);
        return _model;
    }
}
