using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow.Actors.Md;

/// <summary>An md job's stage on one node: creates the domain actors (and the k-space actor) the driver places
/// here, one generation at a time, and reports any of them that dies.</summary>
public sealed class MdStage : ReceiveActor
{
    private const string ComputeDispatcher = "akka.actor.compute-dispatcher";
    private readonly JobSpec _spec;
    private readonly string _node;
    private readonly Dictionary<IActorRef, (int Generation, int Domain)> _children = [];
    private IActorRef? _driver;
    private MdSetup? _setup;
    private double _gEwald;
    private int _generation = -1;
    private int _spawned;

    /// <summary>Creates the stage for <paramref name="spec"/> on <paramref name="node"/>.</summary>
    public MdStage(JobSpec spec, string node)
    {
        _spec = spec;
        _node = node;
        Receive<MdStartDomains>(Start);
        Receive<Terminated>(t =>
        {
            if (_children.Remove(t.ActorRef, out var child) && child.Generation == _generation)
            {
                _driver?.Tell(new MdActorFailed(child.Generation, child.Domain, _node,
                    $"{(child.Domain < 0 ? "the k-space actor" : $"domain {child.Domain}")} on {_node} stopped", Fatal: false));
            }
        });
    }

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        // A domain's state cannot be rebuilt in place: stop it; the driver restarts the generation from its checkpoint.
        new OneForOneStrategy(_ => Directive.Stop);

    private void Start(MdStartDomains start)
    {
        _driver = start.Driver;
        _generation = start.Generation;
        foreach (var child in _children.Keys.ToArray())
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }
        _children.Clear();
        try
        {
            if (_setup is null)
            {
                _setup = new MdSetup(Workload.Decode<MdJobSpec>(_spec));
                _gEwald = _setup.Charged ? MdLongRange.GEwaldOf(_setup) : 0;
            }
        }
        catch (ArgumentException e)
        {
            start.Driver.Tell(new MdActorFailed(start.Generation, -1, _node, e.Message, Fatal: true));
            return;
        }
        var setup = _setup;
        var threads = setup.Spec.ThreadsPerDomain > 0
            ? setup.Spec.ThreadsPerDomain
            : Math.Max(1, Environment.ProcessorCount / Math.Max(1, start.Domains.Length));
        for (var k = 0; k < start.Domains.Length; k++)
        {
            var index = start.Domains[k];
            var atoms = start.Atoms[k];
            var props = Props.Create(() => new MdDomain(_spec.JobId, setup, index, start.Generation, start.StartStep, atoms,
                start.Driver, _node, threads, _gEwald, start.Thermostat)).WithDispatcher(ComputeDispatcher);
            Spawn(props, $"domain-{index}-g{start.Generation}", start.Generation, index, start.Driver);
        }
        if (start.HostsLongRange)
        {
            var props = Props.Create(() => new MdLongRange(_spec.JobId, setup, start.Generation, start.Driver, _node))
                .WithDispatcher(ComputeDispatcher);
            Spawn(props, $"kspace-g{start.Generation}", start.Generation, -1, start.Driver);
        }
    }

    private void Spawn(Props props, string name, int generation, int domain, IActorRef driver)
    {
        // Stopping is asynchronous and a successor driver counts generations afresh: names stay unique by a counter.
        var child = Context.ActorOf(props, $"{name}-{_spawned++}");
        Context.Watch(child);
        _children[child] = (generation, domain);
        driver.Tell(new MdActorReady(generation, domain, child));
    }
}
