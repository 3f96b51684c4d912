using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Fl;

namespace Dataflow.Actors.Fl;

/// <summary>One institute of an <c>fl</c> job: it owns the institute's volumes (generated here, read from the host's
/// <c>--data</c> folder when the host serves this institute, else from the job's data folder), its model and what it keeps to itself, and answers the aggregator's fit and evaluate
/// instructions.</summary>
/// <remarks>
/// The privacy boundary: the volumes are loaded inside this actor and never stored in a message; the only messages it
/// sends are <see cref="FlFitted"/>, <see cref="FlEvaluated"/> and <see cref="FlInstituteFailed"/> (weights, counts,
/// metrics, feature means). It runs on the compute dispatcher; each instruction is computed synchronously inside its
/// handler (TorchSharp's dispose scopes are thread-static) with the job's fixed libtorch thread count.
/// </remarks>
public sealed class FlInstitute : ReceiveActor
{
    private readonly FlSettings _settings;
    private readonly int _institute;
    private readonly string _node;
    private readonly StageTelemetry _telemetry;
    private InstituteTrainer? _trainer;

    /// <summary>Creates institute <paramref name="institute"/> of job <paramref name="jobId"/> on node <paramref name="node"/>.</summary>
    public FlInstitute(string jobId, FlSettings settings, int institute, string node)
    {
        _settings = settings;
        _institute = institute;
        _node = node;
        _telemetry = new StageTelemetry(jobId, "institute", Self.Path.Name, node);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<InstituteFit>(Fit);
        Receive<InstituteEvaluate>(Evaluate);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _telemetry.Dispose();
        _trainer?.Dispose();
    }

    private InstituteTrainer Trainer()
    {
        if (_trainer is null)
        {
            // A host that serves this institute (dataflow host --institute NAME --data DIR) holds its volumes itself.
            var name = _settings.InstituteName(_institute);
            var labels = NodeLabels.Local(Context.System);
            var data = labels.TryGetValue(FlWorkload.InstituteLabel, out var served) && served == name
                && labels.TryGetValue(FlWorkload.DataLabel, out var folder)
                ? InstituteFolder.Load(_settings, folder, name)
                : _settings.HostedData
                    ? throw new InvalidDataException($"{_node} holds no volumes of institute {name} (its host is started with --institute {name} --data DIR)")
                    : _settings.DataDirectory is null
                    ? SyntheticVolumes.Institute(_settings, _institute)
                    : InstituteFolder.Load(_settings, _institute);
            _trainer = new InstituteTrainer(_settings, _institute, data);
        }
        return _trainer;
    }

    private void Fit(InstituteFit work)
    {
        using var busy = _telemetry.MeasureMessage();
        _telemetry.AddBytesIn(sizeof(float) * (long)work.Instruction.Weights.Values.Length);
        try
        {
            var result = Trainer().Fit(work.Instruction);
            _telemetry.AddItems(result.Samples);
            _telemetry.AddBytesOut(sizeof(float) * (long)result.Weights.Values.Length);
            Sender.Tell(new FlFitted(work.JobId, work.Generation, _node, result));
            Context.Parent.Tell(new Runtime.StageThroughput(result.Samples, result.Seconds));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Sender.Tell(new FlInstituteFailed(work.JobId, work.Generation, _node, _institute, work.Instruction.Round, e.Message));
        }
    }

    private void Evaluate(InstituteEvaluate work)
    {
        using var busy = _telemetry.MeasureMessage();
        try
        {
            var result = Trainer().Evaluate(work.Instruction);
            Sender.Tell(new FlEvaluated(work.JobId, work.Generation, _node, result));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Sender.Tell(new FlInstituteFailed(work.JobId, work.Generation, _node, _institute, work.Instruction.Round, e.Message));
        }
    }
}

/// <summary>Stage to institute, in process (forwarded, so the sender is the aggregator): train as instructed.</summary>
public sealed record InstituteFit(string JobId, int Generation, FitInstruction Instruction);

/// <summary>Stage to institute, in process (forwarded, so the sender is the aggregator): evaluate as instructed.</summary>
public sealed record InstituteEvaluate(string JobId, int Generation, EvaluateInstruction Instruction);
