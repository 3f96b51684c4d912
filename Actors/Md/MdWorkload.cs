using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow.Actors.Md;

/// <summary>The <c>md</c> verb: molecular dynamics of a LAMMPS data file on spatial-domain actors, with
/// long-range electrostatics on their own actor.</summary>
public sealed class MdWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "md";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(MdJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => _ = new MdSetup(Decode<MdJobSpec>(spec));

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        Props.Create(() => new MdDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) =>
        Props.Create(() => new MdStage(spec, node));
}
