using System.Runtime.InteropServices;

namespace Dataflow.Host;

/// <summary>SIGINT and SIGTERM during <c>dataflow run</c>: the first cancels the job (the caller's token) and ends the
/// process within <see cref="Grace"/> with exit code 128 + the signal's number (130, 143), whether or not its kernels
/// and actor system have stopped by then; a second signal ends it at once.</summary>
/// <remarks>Kernels watch their node's cancellation token, so an embedded cluster normally stops well within the
/// grace period and the process exits through <c>Main</c>; the deadline is for a kernel that does not return
/// (a long native call), which must not keep the process alive.</remarks>
internal sealed class RunSignals : IDisposable
{
    /// <summary>How long after the first signal the process may take to stop cleanly before it exits regardless.</summary>
    /// <remarks>1.5 s: the cancellation is on its way to the cluster at once, and a client on a busy machine gets time
    /// to stop cleanly while the process still ends within 2 s of the signal.</remarks>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1.5);

    private readonly CancellationTokenSource _cancel = new();
    private PosixSignalRegistration _sigint;
    private PosixSignalRegistration _sigterm;
    private int _signal;

    /// <summary>Registers the handlers; they stay until <see cref="Dispose"/>.</summary>
    public RunSignals()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Registers the handlers again, to run before those registered since: call it once an actor system
    /// started, whose own SIGTERM hook shuts the system down at once and, run first, would leave the job's
    /// cancellation no connection to reach the cluster by.</summary>
    public void RegisterAgain()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The exit code the received signal asks for (130 for SIGINT, 143 for SIGTERM), or null before one.</summary>
    public int? ExitCode => Volatile.Read(ref _signal) is var n and > 0 ? 128 + n : null;

    /// <summary>The name of the received signal, or null.</summary>
    public string? SignalName => Volatile.Read(ref _signal) switch
    {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => null,
    };

    /// <summary>Exits now with <paramref name="code"/>, without running exit hooks or waiting for any thread (a
    /// kernel that does not return, an actor system that does not terminate): only the console is flushed.</summary>
    public static void ExitNow(int code)
    {
        try
        {
            Console.Out.Flush();
            Console.Error.Flush();
        }
        catch (IOException)
        {
            // A closed pipe: nothing more to say.
        }
        _exit(code);
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var number = context.Signal == PosixSignal.SIGINT ? 2 : 15;
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0)
        {
            ExitNow(ExitCode!.Value);
            return;
        }
        // A thread of its own, not a timer: kernels may hold every thread-pool thread.
        new Thread(() =>
        {
            Thread.Sleep(Grace);
            Console.Error.WriteLine($"dataflow: interrupted by {SignalName}; the job was cancelled " +
                $"(this client did not stop within {Grace.TotalSeconds:0.#} s: exiting)");
            ExitNow(ExitCode!.Value);
        })
        { IsBackground = true, Name = "dataflow-signal-deadline" }.Start();
        // Runs the token's callbacks here, on the runtime's signal thread: the job's cancellation reaches the coordinator
        // and an embedded node's kernels without waiting for a thread-pool thread.
        _cancel.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        // A deadline stays armed: whatever runs after this (exit hooks) must not keep the process past it either.
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);
}
