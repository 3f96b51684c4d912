using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow.Actors.Har;

/// <summary>A har job's stage on one node: it runs the pipeline roles the driver assigned to this node, each as a child
/// actor on the compute dispatcher, routes the stream's messages to them, and restarts a child that throws (its
/// supervisor): the stream goes on, and the frames the crash lost are counted.</summary>
public sealed class HarStage : ReceiveActor
{
    private readonly JobSpec _spec;
    private readonly HarJobSpec _job;
    private readonly string _node;
    private readonly Dictionary<string, IActorRef> _children = [];
    private int _generation = -1;

    /// <summary>Creates the stage for <paramref name="spec"/> on <paramref name="node"/>.</summary>
    public HarStage(JobSpec spec, string node)
    {
        _spec = spec;
        _job = Workload.Decode<HarJobSpec>(spec);
        _node = node;
        Receive<HarAssign>(Assign);
        Receive<HarFrame>(m => Route(HarRoles.Features, m.Generation, m));
        Receive<HarFeatureMap>(m => Route(HarRoles.Recogniser, m.Generation, m));
        Receive<HarRecognition>(m => Route(HarRoles.Sink, m.Generation, m));
        Receive<HarDemand>(m => Route(m.Producer, m.Generation, m));
    }

    /// <inheritdoc />
    /// <remarks>A role that throws is restarted with its telemetry kept; one that fails 20 times in a minute stops,
    /// and its job's driver restarts the placement when the stream stalls.</remarks>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(20, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    private void Assign(HarAssign a)
    {
        if (a.Generation <= _generation)
        {
            return;
        }
        foreach (var child in _children.Values)
        {
            Context.Stop(child);
        }
        _children.Clear();
        _generation = a.Generation;
        foreach (var role in a.Roles)
        {
            var context = new HarRoleContext(_spec.JobId, _job, a, role, _node, new HarRoleCounters());
            Props props = role switch
            {
                HarRoles.Source => Props.Create(() => new HarSource(context)),
                HarRoles.Features => Props.Create(() => new HarFeatures(context)),
                HarRoles.Recogniser => Props.Create(() => new HarRecogniser(context)),
                HarRoles.Sink => Props.Create(() => new HarSink(context)),
                _ => throw new ArgumentException($"unknown har role '{role}'"),
            };
            _children[role] = Context.ActorOf(props.WithDispatcher("akka.actor.compute-dispatcher"), $"{role}-{a.Generation}");
        }
    }

    private void Route(string role, int generation, object message)
    {
        if (generation == _generation && _children.TryGetValue(role, out var child))
        {
            child.Forward(message);
        }
    }
}
