using System.Runtime.InteropServices;

namespace Dataflow.Host.Bench;

/// <summary>Debian's OpenBLAS (<c>libopenblas.so.0</c>, package libopenblas0-pthread) through its CBLAS interface, the
/// yardstick of the tuned matrix product; null where the library is not installed.</summary>
internal sealed class OpenBlas
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;

    private readonly SgemmFunction _sgemm;
    private readonly SetThreadsFunction _setThreads;

    private OpenBlas(IntPtr library)
    {
        _sgemm = Marshal.GetDelegateForFunctionPointer<SgemmFunction>(NativeLibrary.GetExport(library, "cblas_sgemm"));
        _setThreads = Marshal.GetDelegateForFunctionPointer<SetThreadsFunction>(NativeLibrary.GetExport(library, "openblas_set_num_threads"));
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SgemmFunction(int order, int transA, int transB, int m, int n, int k, float alpha,
        [In] float[] a, int lda, [In] float[] b, int ldb, float beta, [In, Out] float[] c, int ldc);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetThreadsFunction(int threads);

    /// <summary>The library, or null with the reason.</summary>
    public static OpenBlas? TryLoad(out string why)
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so" })
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                why = name;
                return new OpenBlas(handle);
            }
        }
        why = "libopenblas.so.0 not found (apt-get install libopenblas0-pthread)";
        return null;
    }

    /// <summary>Threads OpenBLAS uses.</summary>
    public void SetThreads(int threads) => _setThreads(threads);

    /// <summary>C = A B, row-major single precision.</summary>
    public void Sgemm(float[] a, float[] b, float[] c, int m, int n, int k) =>
        _sgemm(RowMajor, NoTrans, NoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
}
