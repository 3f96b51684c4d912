using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Compute;

/// <summary>glibc's allocation counters and settings for the C heap, where libtorch's CPU allocator takes every
/// tensor's storage (<c>posix_memalign</c>).</summary>
public static partial class NativeHeap
{
    // mallopt parameters (malloc.h).
    private const int TrimThreshold = -1;
    private const int MmapThreshold = -3;

    private static int s_returnsFreedBlocks;

    /// <summary>Bytes allocated and not yet freed on the C heap now: glibc's <c>mallinfo2</c> in-use bytes of every
    /// arena plus its mmapped blocks; 0 where the C library has no <c>mallinfo2</c> (glibc before 2.33, musl).</summary>
    public static long LiveBytes()
    {
        try
        {
            var info = mallinfo2();
            return (long)(info.Uordblks + info.Hblkhd);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Makes glibc give blocks of 128 KiB and more back to the kernel when they are freed (a fixed mmap
    /// threshold instead of the default that climbs to 32 MiB as blocks are freed), so that the resident set, and its
    /// high-water mark, follow the tensors that are alive; once per process. False where the C library refused.</summary>
    /// <remarks>Without it a freed activation stays resident for the next one to reuse, and a pass's resident
    /// high-water mark says how much more it needed than earlier passes left behind, not what it held.</remarks>
    public static bool ReturnFreedBlocks()
    {
        if (Interlocked.Exchange(ref s_returnsFreedBlocks, 1) == 1)
        {
            return true;
        }
        try
        {
            return mallopt(MmapThreshold, 128 * 1024) == 1 && mallopt(TrimThreshold, 1024 * 1024) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Gives free memory at the top of the heaps back to the kernel (<c>malloc_trim</c>).</summary>
    public static void Trim()
    {
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo2 mallinfo2();

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
