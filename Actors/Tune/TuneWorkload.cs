using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow.Actors.Tune;

/// <summary>The <c>tune</c> verb: auto-tuning the project's kernels for a model (FamilySeer).</summary>
public sealed class TuneWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "tune";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(TuneJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec)
    {
        try
        {
            Decode<TuneJobSpec>(spec).Validate();
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, "model", e);
        }
    }

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) => Props.Create(() => new TuneDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) =>
        Props.Create(() => new TuneStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
}
