using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;
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
    public override Type PayloadType => typeof(NqsJobSpec);

    /// <inheritdoc />
    /// <remarks>A checkpoint submitted with the job must be an nqs checkpoint of this build's format.</remarks>
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
        if (spec.Checkpoint is { Length: > 0 } bytes)
        {
            try
            {
                NqsCheckpoint.FromBytes(bytes);
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"resume: {e.Message}", "resume", e);
            }
        }
    }

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        // The driver builds the wavefunction with libtorch: where libtorch does not load, the job ends with the reason.
        TorchRuntime.TryLoadNative(out var error)
            ? Props.Create(() => new NqsDriver(start)).WithDispatcher("akka.actor.compute-dispatcher")
            : UnavailableDriver.Props(start.Spec.JobId, start.Client, error);

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        // Throws here rather than in the first step, so that the node agent reports StageUnavailable and the job ends.
        TorchRuntime.LoadNative();
        return Props.Create(() => new NqsStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
    }
}
