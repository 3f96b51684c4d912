using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;

namespace Dataflow.Actors.Train;

/// <summary>The <c>train</c> verb: elastic, deterministic data-parallel training (EasyScale).</summary>
public sealed class TrainWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "train";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<TrainJobSpec>(spec).Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobSpec spec, IActorRef client, ReplicateCheckpoint? recovered)
    {
        // The driver computes the initial parameters with libtorch: where libtorch does not load, the job ends with the reason.
        if (!TorchRuntime.TryLoadNative(out var error))
        {
            return UnavailableDriver.Props(spec.JobId, client, error);
        }
        var holder = new CheckpointHolder
        {
            Bytes = recovered?.Checkpoint,
            PlacementChanges = recovered?.PlacementChanges ?? 0,
            Seconds = recovered?.Seconds ?? 0,
        };
        return Props.Create(() => new TrainDriver(spec, client, holder));
    }

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        // Throws here rather than in the first step, so that the node agent reports StageUnavailable and the job ends.
        TorchRuntime.LoadNative();
        return Props.Create(() => new TrainStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
    }
}

/// <summary>The latest checkpoint of one job, kept across restarts of its driver (one holder per driver).</summary>
public sealed class CheckpointHolder
{
    /// <summary>Serialised <c>TrainCheckpoint</c>, or null before the first.</summary>
    public byte[]? Bytes { get; set; }

    /// <summary>Re-placements up to the checkpoint.</summary>
    public int PlacementChanges { get; set; }

    /// <summary>Driver wall time up to the checkpoint.</summary>
    public double Seconds { get; set; }
}
