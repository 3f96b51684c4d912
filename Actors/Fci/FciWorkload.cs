using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Actors.Fci;

/// <summary>The <c>fci</c> verb: the exact ground-state energy of an FCIDUMP Hamiltonian (Davidson in the N, Sz sector).</summary>
public sealed class FciWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "fci";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(FciJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec)
    {
        var job = Decode<FciJobSpec>(spec);
        job.Validate();
        try
        {
            FcidumpReader.ParseText(job.FcidumpText, job.SourceName);
        }
        catch (FcidumpFormatException e)
        {
            throw new ArgumentException(e.Message, "fcidump", e);
        }
    }

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) => Props.Create(() => new FciDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) =>
        Props.Create(() => new FciStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
}
