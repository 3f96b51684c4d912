using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Actors.Nqs;

/// <summary>The <c>nqs</c> verb: variational Monte Carlo with a transformer wavefunction, samplers and evaluators on
/// the nodes' stages.</summary>
public sealed class NqsWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "nqs";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override void Validate(JobSpec spec)
    {
        try
        {
            Decode<NqsJobSpec>(spec).Validate();
        }
        catch (FcidumpFormatException e)
        {
            throw new ArgumentException(e.Message, "fcidump", e);
        }
    }

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        Props.Create(() => new NqsDriver(start)).WithDispatcher("akka.actor.compute-dispatcher");

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) =>
        Props.Create(() => new NqsStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
}
