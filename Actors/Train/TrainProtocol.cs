using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Train;
using MessagePack;

namespace Dataflow.Actors.Train;

/// <summary>The <c>train</c> workload's spec, carried as the payload of a <see cref="JobSpec"/>.</summary>
/// <param name="Steps">Global optimiser steps to run.</param>
/// <param name="CheckpointEvery">Checkpoint every this many steps (and on every membership change).</param>
/// <param name="Reduction">How gradients are combined; only <see cref="TrainReduction.LogicalOrder"/> is deterministic.</param>
/// <param name="CheckpointFiles">Whether checkpoints are also kept as files: each is sent to the client (which writes it
/// under its own checkpoint directory) and written in the job's folder under the driver host's work directory. False:
/// memory and replicas only.</param>
/// <remarks>Key 3 is retired: it was a checkpoint directory on the driver's host, a path the client chose.</remarks>
[MessagePackObject]
public sealed record TrainJobSpec(
    [property: Key(0)] TrainSettings Settings,
    [property: Key(1)] int Steps,
    [property: Key(2)] int CheckpointEvery,
    [property: Key(4)] TrainReduction Reduction = TrainReduction.LogicalOrder,
    [property: Key(5)] bool CheckpointFiles = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Settings.Validate();
        if (Steps < 1)
        {
            throw new ArgumentException($"steps must be at least 1 (got {Steps})", nameof(Steps));
        }
        if (CheckpointEvery < 1)
        {
            throw new ArgumentException($"checkpointEvery must be at least 1 (got {CheckpointEvery})", nameof(CheckpointEvery));
        }
    }
}

/// <summary>How a step's worker gradients are combined.</summary>
public enum TrainReduction
{
    /// <summary>Wait for all, sum in logical-worker order: the same bits on any placement (the default).</summary>
    LogicalOrder,

    /// <summary>Sum as they arrive: float addition order varies run to run. The benchmark baseline only.</summary>
    ArrivalOrder,
}

/// <summary>Train driver to a node agent (forwarded to the job's stage): compute step <paramref name="Step"/>'s
/// gradients of the logical workers whose states are given, with these parameters.</summary>
/// <param name="Generation">Placement generation; replies from an older generation are ignored.</param>
[MessagePackObject]
public sealed record TrainWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] float[] Parameters,
    [property: Key(4)] LogicalWorkerState[] Workers)
    : IStageMessage;

/// <summary>Train stage to driver: the gradients of the logical workers of one <see cref="TrainWork"/>.</summary>
[MessagePackObject]
public sealed record TrainGradients(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] string Node,
    [property: Key(4)] WorkerGradient[] Gradients,
    [property: Key(5)] double Seconds) : IDataflowMessage;

/// <summary>Train stage to driver: computing a <see cref="TrainWork"/> failed; the stage restarts.</summary>
[MessagePackObject]
public sealed record TrainStageFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] string Node,
    [property: Key(4)] string Error)
    : IDataflowMessage;
