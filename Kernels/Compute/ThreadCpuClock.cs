using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Compute;

/// <summary>CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), so that a cost measured while
/// other threads compete for the cores counts only this thread's work; wall time elsewhere.</summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;
    private static readonly bool s_available = Probe();

    /// <summary>Whether the thread clock is available (else <see cref="Seconds"/> is wall time).</summary>
    public static bool IsThreadTime => s_available;

    /// <summary>Seconds of CPU time the calling thread has used (wall seconds where unavailable).</summary>
    public static double Seconds()
    {
        if (s_available && clock_gettime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return ts.Seconds + ts.Nanoseconds * 1e-9;
        }
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private static bool Probe()
    {
        try
        {
            return OperatingSystem.IsLinux() && clock_gettime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);
}
