namespace Dataflow.Kernels.Sft;

/// <summary>The process's resident-memory high-water mark (Linux <c>VmHWM</c>), which can be reset to the current
/// resident size, so that a phase's peak is measured rather than computed.</summary>
/// <remarks>libtorch's CPU allocator has no counters that TorchSharp exposes; every tensor it allocates is
/// resident memory of this process, so the high-water mark bounds what training held at its worst moment.</remarks>
public static class PeakMemory
{
    /// <summary>Resets the high-water mark to the current resident size (writes 5 to <c>/proc/self/clear_refs</c>);
    /// false where the kernel does not allow it.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak resident bytes since the start or the last <see cref="ResetPeak"/> (0 where unknown).</summary>
    public static long PeakBytes() => Field("VmHWM:");

    /// <summary>Resident bytes now (0 where unknown).</summary>
    public static long ResidentBytes() => Field("VmRSS:");

    private static long Field(string name)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                {
                    var kib = line[name.Length..].Trim().Split(' ')[0];
                    return long.Parse(kib, System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
