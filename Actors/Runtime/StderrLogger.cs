using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Dataflow.Actors.Runtime;

/// <summary>Akka logger that writes to standard error, so that log lines never mix into a command's output
/// (<c>dataflow status --json</c> prints JSON on standard output).</summary>
public sealed class StderrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>Creates the logger (Akka does, from <c>akka.loggers</c>).</summary>
    public StderrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            var cause = e is Error { Cause: { } ex } ? $"{Environment.NewLine}{ex}" : "";
            Console.Error.WriteLine($"[{e.LogLevel().ToString().Replace("Level", "", StringComparison.Ordinal).ToUpperInvariant()}]" +
                $"[{e.Timestamp:O}][{e.LogSource}] {e.Message}{cause}");
        });
    }
}
