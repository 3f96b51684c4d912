using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;

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
    /// <remarks>A checkpoint submitted with the job must be a train checkpoint of as many logical workers, with steps
    /// left to run.</remarks>
    public override void Validate(JobSpec spec)
    {
        var job = Decode<TrainJobSpec>(spec);
        job.Validate();
        if (spec.Checkpoint is { Length: > 0 } bytes)
        {
            TrainCheckpoint checkpoint;
            try
            {
                checkpoint = TrainCheckpoint.FromBytes(bytes);
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"resume: {e.Message}", "resume", e);
            }
            if (checkpoint.Workers.Length != job.Settings.LogicalWorkers)
            {
                throw new ArgumentException(
                    $"resume: the checkpoint has {checkpoint.Workers.Length} logical workers, the job {job.Settings.LogicalWorkers}", "resume");
            }
            if (checkpoint.Step >= job.Steps)
            {
                throw new ArgumentException($"resume: the checkpoint is at step {checkpoint.Step}, the job has {job.Steps} steps", "resume");
            }
        }
    }

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
