using Akka.Actor;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>Reads the number of user messages waiting in an actor's own mailbox.</summary>
/// <remarks>
/// Uses <see cref="ICell.NumberOfMessages"/> of the actor's <see cref="ActorCell"/> (its mailbox's message queue
/// count). Contexts that are not local actor cells, and failures, give -1 rather than an exception.
/// </remarks>
public static class MailboxDepth
{
    /// <summary>The current depth of the mailbox of the actor owning <paramref name="context"/>, or -1 if unknown.</summary>
    /// <remarks>Call it from inside the actor (its <c>Context</c> is only valid there).</remarks>
    public static int Of(IActorContext context) => context is ICell cell ? Read(cell) : -1;

    /// <summary>A reader of the mailbox depth that stays valid outside the actor's handlers and on any thread.</summary>
    /// <remarks>
    /// Captures the actor's cell rather than its <c>Context</c>, so a gauge can call it while the actor is busy.
    /// Pass it to <see cref="StageTelemetry.SetMailboxDepth"/>.
    /// </remarks>
    public static Func<int> ReaderFor(IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context is not ICell cell)
        {
            return static () => -1;
        }
        return () => Read(cell);
    }

    private static int Read(ICell cell)
    {
        try
        {
            return Math.Max(0, cell.NumberOfMessages);
        }
        catch (Exception)
        {
            // The mailbox can be swapped or cleared while the actor stops.
            return -1;
        }
    }
}
