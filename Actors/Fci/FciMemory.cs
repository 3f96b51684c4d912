using System.Globalization;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Actors.Fci;

/// <summary>The memory an FCI solve may use by default, and the words of a refusal.</summary>
public static class FciMemory
{
    /// <summary>What this process may use: the GC's view of the machine's (or container's) memory.</summary>
    public static long Available() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>One line naming the determinants, the memory needed and the limit.</summary>
    public static string Refusal(CiSize size, long limitBytes) => string.Create(CultureInfo.InvariantCulture,
        $"{size.Determinants:N0} determinants need about {Gigabytes(size.MemoryBytes)} GB, more than the {Gigabytes(limitBytes)} GB allowed (--max-memory); estimated time {size.EstimatedSeconds:G3} s");

    /// <summary>Bytes in GB (10^9) with three significant digits.</summary>
    public static string Gigabytes(long bytes) => (bytes / 1e9).ToString("G3", CultureInfo.InvariantCulture);
}
