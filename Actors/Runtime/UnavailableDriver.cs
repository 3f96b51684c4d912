using Akka.Actor;

namespace Dataflow.Actors.Runtime;

/// <summary>Stands in for a job's driver that cannot run on this node (its native libraries do not load): fails the
/// job with the reason and stops.</summary>
/// <remarks>A driver that throws while it is created is restarted by the coordinator, fails the same way and is
/// stopped without a word to the client, which would then wait for ever; a workload that can tell beforehand returns
/// these props from <see cref="Workload.DriverProps(JobStart)"/> instead.</remarks>
public sealed class UnavailableDriver(string jobId, IActorRef client, string error) : ReceiveActor
{
    /// <summary>Props for the stand-in of job <paramref name="jobId"/>'s driver; <paramref name="error"/> reaches the
    /// client as the job's failure.</summary>
    public static Props Props(string jobId, IActorRef client, string error) =>
        Akka.Actor.Props.Create(() => new UnavailableDriver(jobId, client, error));

    /// <inheritdoc />
    protected override void PreStart()
    {
        client.Tell(new JobFailed(jobId, error));
        Context.Parent.Tell(new DriverFinished(jobId, null, error, []));
        Context.Stop(Self);
    }
}
