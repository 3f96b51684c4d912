using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Sft;
using MessagePack;

namespace Dataflow.Actors.Sft;

/// <summary>The <c>sft</c> workload's spec, carried as the payload of a <see cref="JobSpec"/>.</summary>
/// <param name="Settings">Model, schedule, batch and optimiser.</param>
/// <param name="Corpus">The sequences (read and tokenized by the client) or the synthetic mix.</param>
/// <param name="Steps">Optimiser steps to run.</param>
/// <param name="CheckpointEvery">Checkpoint every this many steps (and on every membership change).</param>
/// <param name="CheckpointFiles">Whether checkpoints are also sent to the client as files.</param>
[MessagePackObject]
public sealed record SftJobSpec(
    [property: Key(0)] SftSettings Settings,
    [property: Key(1)] SftCorpus Corpus,
    [property: Key(2)] int Steps,
    [property: Key(3)] int CheckpointEvery,
    [property: Key(4)] bool CheckpointFiles = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Settings);
        ArgumentNullException.ThrowIfNull(Corpus);
        Settings.Validate();
        if (Corpus.Vocabulary > Settings.Model.Vocabulary)
        {
            throw new ArgumentException(
                $"data: the vocabulary of {Corpus.Name} ({Corpus.Vocabulary}) is larger than the model's ({Settings.Model.Vocabulary})", "data");
        }
        Corpus.Validate(Settings.Model.Context);
        if (Steps < 1)
        {
            throw new ArgumentException($"--steps must be at least 1; got {Steps}", "steps");
        }
        if (CheckpointEvery < 1)
        {
            throw new ArgumentException($"--checkpoint-every must be at least 1; got {CheckpointEvery}", "checkpoint-every");
        }
    }
}

/// <summary>Sft driver to a node agent (forwarded to the job's stage, a chunk scheduler): compute step
/// <paramref name="Step"/>'s gradients of these logical workers (trainers) at these parameters.</summary>
/// <param name="Generation">Placement generation; replies from an older generation are ignored.</param>
[MessagePackObject]
public sealed record SftWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] float[] Parameters,
    [property: Key(4)] int[] Workers)
    : IStageMessage;

/// <summary>Sft stage to driver: the gradients of one <see cref="SftWork"/>'s logical workers.</summary>
[MessagePackObject]
public sealed record SftGradients(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] string Node,
    [property: Key(4)] SftGradient[] Gradients,
    [property: Key(5)] double Seconds) : IDataflowMessage;

/// <summary>Sft stage to driver: computing an <see cref="SftWork"/> failed; the stage restarts.</summary>
[MessagePackObject]
public sealed record SftStageFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] string Node,
    [property: Key(4)] string Error)
    : IDataflowMessage;

/// <summary>Sft stage to driver, after each forward or backward pass of a chunk (or padded batch) of a step: the step
/// is progressing, so the driver re-arms its step timeout (a step of long sequences may take minutes).</summary>
[MessagePackObject]
public sealed record SftStepProgress(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] int Worker,
    [property: Key(4)] int Items) : IDataflowMessage;
