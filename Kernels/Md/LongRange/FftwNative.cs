using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>The few FFTW 3 entry points the benchmark compares against (Debian: libfftw3-double3).</summary>
/// <remarks>Benchmark only: nothing in the solvers or tests calls FFTW.</remarks>
internal static class FftwNative
{
    public const string Library = "libfftw3.so.3";
    public const string ThreadsLibrary = "libfftw3_threads.so.3";
    public const int Forward = -1;
    public const uint Measure = 0;

    /// <summary>Whether libfftw3 (and its threads library) can be loaded, with the reason when not.</summary>
    public static bool TryLoad(out bool threads, out string? reason)
    {
        threads = false;
        if (!NativeLibrary.TryLoad(Library, out _))
        {
            reason = $"{Library} not found (apt-get install libfftw3-dev)";
            return false;
        }
        threads = NativeLibrary.TryLoad(ThreadsLibrary, out _) && fftw_init_threads() != 0;
        reason = null;
        return true;
    }

    [DllImport(Library)]
    public static extern IntPtr fftw_malloc(nuint bytes);

    [DllImport(Library)]
    public static extern void fftw_free(IntPtr pointer);

    [DllImport(Library)]
    public static extern IntPtr fftw_plan_dft_3d(int n0, int n1, int n2, IntPtr input, IntPtr output, int sign, uint flags);

    [DllImport(Library)]
    public static extern void fftw_execute(IntPtr plan);

    [DllImport(Library)]
    public static extern void fftw_destroy_plan(IntPtr plan);

    [DllImport(ThreadsLibrary)]
    public static extern int fftw_init_threads();

    [DllImport(ThreadsLibrary)]
    public static extern void fftw_plan_with_nthreads(int threads);
}
