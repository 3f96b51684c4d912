using Akka.Actor;
using Dataflow.Actors.Runtime;

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
    public override Props DriverProps(JobStart start) => Props.Create(() => new TrainDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) =>
        Props.Create(() => new TrainStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
}
