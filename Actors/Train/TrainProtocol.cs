using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Train;

namespace Dataflow.Actors.Train;

/// <summary>The <c>train</c> workload's spec, carried as the payload of a <see cref="JobSpec"/>.</summary>
/// <param name="Steps">Global optimiser steps to run.</param>
/// <param name="CheckpointEvery">Checkpoint every this many steps (and on every membership change).</param>
/// <param name="CheckpointDirectory">Where checkpoints are also written as files, or null for memory and replicas only.</param>
/// <param name="Reduction">How gradients are combined; only <see cref="TrainReduction.LogicalOrder"/> is deterministic.</param>
public sealed record TrainJobSpec(TrainSettings Settings, int Steps, int CheckpointEvery, string? CheckpointDirectory,
    TrainReduction Reduction = TrainReduction.LogicalOrder)
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
public sealed record TrainWork(string JobId, int Generation, long Step, float[] Parameters, LogicalWorkerState[] Workers)
    : IStageMessage;

/// <summary>Train stage to driver: the gradients of the logical workers of one <see cref="TrainWork"/>.</summary>
public sealed record TrainGradients(string JobId, int Generation, long Step, string Node, WorkerGradient[] Gradients,
    double Seconds) : IDataflowMessage;

/// <summary>Train stage to driver: computing a <see cref="TrainWork"/> failed; the stage restarts.</summary>
public sealed record TrainStageFailed(string JobId, int Generation, long Step, string Node, string Error)
    : IDataflowMessage;
