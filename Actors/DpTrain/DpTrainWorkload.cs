using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;

namespace Dataflow.Actors.DpTrain;

/// <summary>The <c>dp-train</c> verb: data-parallel training of a Deep Potential on deepmd-kit data.</summary>
public sealed class DpTrainWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "dp-train";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(DpTrainJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<DpTrainJobSpec>(spec).Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        TorchRuntime.TryLoadNative(out var error)
            ? Props.Create(() => new DpTrainDriver(start))
            : UnavailableDriver.Props(start.Spec.JobId, start.Client, error);

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        TorchRuntime.LoadNative();
        return Props.Create(() => new DpTrainStage(spec)).WithDispatcher("akka.actor.compute-dispatcher");
    }
}
