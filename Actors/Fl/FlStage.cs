using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;

namespace Dataflow.Actors.Fl;

/// <summary>An <c>fl</c> job's stage on one node: the parent of the institute actors placed here. It hands each
/// instruction to its institute (the aggregator stays the sender) and stops the institutes placed elsewhere.</summary>
public sealed class FlStage : ReceiveActor
{
    private readonly FlJobSpec _job;
    private readonly string _jobId;
    private readonly string _node;
    private readonly Dictionary<int, IActorRef> _institutes = [];
    private int _created;

    /// <summary>Creates the stage for <paramref name="spec"/> on node <paramref name="node"/>.</summary>
    public FlStage(JobSpec spec, string node)
    {
        _job = Workload.Decode<FlJobSpec>(spec);
        _jobId = spec.JobId;
        _node = node;
        Receive<FlFit>(OnFit);
        Receive<FlEvaluate>(OnEvaluate);
        Receive<StageThroughput>(t => Context.Parent.Forward(t));
    }

    private void OnFit(FlFit fit)
    {
        foreach (var gone in _institutes.Keys.Except(fit.Hosted).ToArray())
        {
            Context.Stop(_institutes[gone]);
            _institutes.Remove(gone);
        }
        foreach (var instruction in fit.Instructions)
        {
            Institute(instruction.Institute).Forward(new InstituteFit(fit.JobId, fit.Generation, instruction));
        }
    }

    private void OnEvaluate(FlEvaluate evaluate)
    {
        foreach (var instruction in evaluate.Instructions)
        {
            Institute(instruction.Institute).Forward(new InstituteEvaluate(evaluate.JobId, evaluate.Generation, instruction));
        }
    }

    private IActorRef Institute(int institute)
    {
        if (!_institutes.TryGetValue(institute, out var actor))
        {
            TorchRuntime.LoadNative();
            actor = Context.ActorOf(Props.Create(() => new FlInstitute(_jobId, _job.Settings, institute, _node))
                .WithDispatcher("akka.actor.compute-dispatcher"), $"institute-{institute}-{++_created}");
            _institutes[institute] = actor;
        }
        return actor;
    }
}
