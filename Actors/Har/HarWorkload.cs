using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;

namespace Dataflow.Actors.Har;

/// <summary>The <c>har</c> verb: real-time action recognition on a streaming pipeline of actors (RT-HARE).</summary>
public sealed class HarWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "har";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(HarJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<HarJobSpec>(spec).Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) => Props.Create(() => new HarDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        // Throws here rather than at the first frame, so that the node agent reports StageUnavailable and the job ends.
        TorchRuntime.LoadNative();
        return Props.Create(() => new HarStage(spec, node));
    }
}

/// <summary>The <c>har-train</c> verb: trains the recogniser on optical-flow features and distils IMFE from them.</summary>
public sealed class HarTrainWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "har-train";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(HarTrainJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<HarTrainJobSpec>(spec).ToSettings().Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) => Props.Create(() => new HarTrainDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        TorchRuntime.LoadNative();
        return Props.Create(() => new HarTrainStage(spec)).WithDispatcher("akka.actor.compute-dispatcher");
    }
}
