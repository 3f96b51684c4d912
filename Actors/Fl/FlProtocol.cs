using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Fl;
using MessagePack;

namespace Dataflow.Actors.Fl;

/// <summary>The <c>fl</c> workload's spec, carried as the payload of a <see cref="JobSpec"/>.</summary>
/// <param name="Settings">Institutes, data, network, strategy, local training and VFDA.</param>
/// <param name="RoundDeadlineSeconds">How long the aggregator waits for the institutes of a round's phase (fit, then
/// evaluate) from the moment it asked them; those that have not answered by then miss the round.</param>
[MessagePackObject]
public sealed record FlJobSpec(
    [property: Key(0)] FlSettings Settings,
    [property: Key(1)] double RoundDeadlineSeconds = 600)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Settings);
        Settings.Validate();
        if (!(RoundDeadlineSeconds > 0) || !double.IsFinite(RoundDeadlineSeconds))
        {
            throw new ArgumentException($"round-deadline must be a positive number of seconds (got {RoundDeadlineSeconds})", "round-deadline");
        }
    }
}

/// <summary>Aggregator (fl driver) to a node agent, forwarded to the job's stage there: these institutes live on this
/// node now, and these of them train from these weights (Flower's fit).</summary>
/// <param name="Hosted">Every institute placed on the node (the stage stops the others it held).</param>
[MessagePackObject]
public sealed record FlFit(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int[] Hosted,
    [property: Key(3)] FitInstruction[] Instructions) : IStageMessage;

/// <summary>Aggregator to a node agent, forwarded to the job's stage there: these institutes measure these weights on
/// their held-out volumes (Flower's evaluate).</summary>
[MessagePackObject]
public sealed record FlEvaluate(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] EvaluateInstruction[] Instructions) : IStageMessage;

/// <summary>Institute to aggregator, after its local training: the shared parameters it trained, its sample count, its
/// mean loss and, with VFDA, its running feature means (nothing else leaves an institute).</summary>
[MessagePackObject]
public sealed record FlFitted(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] FitResult Result) : IDataflowMessage;

/// <summary>Institute to aggregator, after an evaluation: its sample count, mean Dice and mean loss.</summary>
[MessagePackObject]
public sealed record FlEvaluated(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] EvaluateResult Result) : IDataflowMessage;

/// <summary>Institute to aggregator: an instruction of round <paramref name="Round"/> failed (its data could not be
/// read, or its training threw); the round goes on without it.</summary>
[MessagePackObject]
public sealed record FlInstituteFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] int Institute,
    [property: Key(4)] int Round,
    [property: Key(5)] string Error) : IDataflowMessage;
