using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;

namespace Dataflow.Actors.Sft;

/// <summary>The <c>sft</c> verb: long-context fine-tuning of a causal LM on chunk-scheduler actors (ChunkFlow).</summary>
public sealed class SftWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "sft";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(SftJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec)
    {
        var job = Decode<SftJobSpec>(spec);
        job.Validate();
        if (spec.Checkpoint is { Length: > 0 } bytes)
        {
            SftState state;
            try
            {
                state = SftState.FromBytes(bytes);
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"resume: {e.Message}", "resume", e);
            }
            if (state.Step >= job.Steps)
            {
                throw new ArgumentException($"resume: the checkpoint is at step {state.Step}, the job has {job.Steps} steps", "resume");
            }
        }
    }

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        TorchRuntime.TryLoadNative(out var error)
            ? Props.Create(() => new SftDriver(start))
            : UnavailableDriver.Props(start.Spec.JobId, start.Client, error);

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node)
    {
        TorchRuntime.LoadNative();
        return Props.Create(() => new SftStage(spec, node)).WithDispatcher("akka.actor.compute-dispatcher");
    }
}
