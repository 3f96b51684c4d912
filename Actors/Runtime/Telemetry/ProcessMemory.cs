using System.Globalization;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>Managed and native memory of the current process, as the node memory gauges report them.</summary>
/// <remarks>
/// Managed bytes are <see cref="GC.GetTotalMemory(bool)"/> (live and not yet collected objects). Native bytes are the
/// resident set (VmRSS from <c>/proc/self/status</c> on Linux, <see cref="Environment.WorkingSet"/> elsewhere) minus
/// the memory the GC has committed (<see cref="GCMemoryInfo.TotalCommittedBytes"/>), never below zero: what libtorch,
/// ILGPU, the runtime itself and other native code hold.
/// </remarks>
public static class ProcessMemory
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>Bytes allocated on the managed heap and not yet collected.</summary>
    public static long ManagedBytes() => GC.GetTotalMemory(forceFullCollection: false);

    /// <summary>Resident bytes of this process outside the memory the GC has committed.</summary>
    public static long NativeBytes() => Math.Max(0, ResidentBytes() - GC.GetGCMemoryInfo().TotalCommittedBytes);

    /// <summary>Resident set size of this process in bytes.</summary>
    public static long ResidentBytes() => ReadVmRssBytes() ?? Environment.WorkingSet;

    private static long? ReadVmRssBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            foreach (var line in File.ReadLines(StatusPath))
            {
                // "VmRSS:	  123456 kB"
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    continue;
                }
                var fields = line["VmRSS:".Length..].Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 1 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
