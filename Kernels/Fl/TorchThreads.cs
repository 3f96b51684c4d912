using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Fl;

/// <summary>Runs one piece of institute work at a time in this process, with libtorch's intra-op thread count fixed on
/// the calling thread.</summary>
/// <remarks>
/// libtorch keeps its OpenMP thread count per thread, so every thread that runs an institute fixes it first (results
/// are bitwise reproducible only for a fixed count). Two institutes training on two threads at once were seen to end in
/// NaN losses; serial runs are hit by the same open defect less often (see FlStrategySpec's skipped specs), so a process
/// runs one institute's work at a time until it is found. Parallelism comes from processes (one host per site).
/// </remarks>
internal static class TorchThreads
{
    private static readonly object s_gate = new();

    /// <summary>Waits for the process's institute work to be free, fixes <paramref name="intraOpThreads"/> on this thread,
    /// and holds the work until the returned scope is disposed.</summary>
    public static Scope Enter(int intraOpThreads)
    {
        Monitor.Enter(s_gate);
        try
        {
            TorchRuntime.EnsureLoaded(intraOpThreads);
        }
        catch
        {
            Monitor.Exit(s_gate);
            throw;
        }
        return new Scope();
    }

    /// <summary>The held work, released on dispose.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => Monitor.Exit(s_gate);
    }
}
