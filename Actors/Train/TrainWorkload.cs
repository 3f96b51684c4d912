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
    public override Type PayloadType => typeof(TrainJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<TrainJobSpec>(spec).Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        // The driver computes the initial parameters with libtorch: where libtorch does not load, the job ends with the reason.
        TorchRuntime.TryLoadNative(out var error)
            ? Props.Create(() => new TrainDriver(start))
            : UnavailableDriver.Props(start.Spec.JobId, start.Client, error);

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        // Throws here rather than in the first step, so that the node agent reports StageUnavailable and the job ends.
        TorchRuntime.LoadNative();
        return Props.Create(() => new TrainStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
    }
}
