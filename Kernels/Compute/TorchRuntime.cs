using System.Runtime.InteropServices;
using TorchSharp;

namespace Dataflow.Kernels.Compute;

/// <summary>Loads libtorch and TorchSharp's native bridge once per process, before the first torch call.</summary>
/// <remarks>
/// The native folder is <c>$DATAFLOW_NATIVE_DIR</c>, else the first <c>.native/linux-x64</c> found walking up
/// from the application folder (what <c>make native</c> writes). When that folder holds
/// <c>libglibcxx_shim.so</c> (written only where the system libstdc++ lacks GLIBCXX_3.4.32), the shim is
/// loaded with RTLD_GLOBAL first so the weakened reference in <c>libLibTorchSharp.so</c> resolves to it.
/// </remarks>
public static class TorchRuntime
{
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private static readonly object s_gate = new();
    private static string? s_nativeDirectory;

    /// <summary>The folder the native libraries were loaded from, once <see cref="EnsureLoaded"/> ran.</summary>
    public static string? NativeDirectory => s_nativeDirectory;

    /// <summary>True when the libstdc++ compatibility shim was needed and loaded.</summary>
    public static bool ShimLoaded { get; private set; }

    /// <summary>Loads the native libraries (idempotent, thread-safe) and fixes the intra-op thread count.</summary>
    /// <param name="intraOpThreads">libtorch intra-op threads; gradients depend on it, so every logical
    /// worker of a job must use the same value wherever it runs.</param>
    public static void EnsureLoaded(int intraOpThreads = 1)
    {
        lock (s_gate)
        {
            LoadNative();
            if (torch.get_num_threads() != intraOpThreads)
            {
                torch.set_num_threads(intraOpThreads);
            }
        }
    }

    /// <summary>Loads the native libraries (idempotent, thread-safe) and leaves the thread count as it is.</summary>
    public static void LoadNative()
    {
        lock (s_gate)
        {
            if (s_nativeDirectory is null)
            {
                var dir = FindNativeDirectory();
                var shim = Path.Combine(dir, "libglibcxx_shim.so");
                if (File.Exists(shim))
                {
                    if (dlopen(shim, RtldNow | RtldGlobal) == IntPtr.Zero)
                    {
                        throw new InvalidOperationException($"cannot load {shim}: {Marshal.PtrToStringAnsi(dlerror())}");
                    }
                    ShimLoaded = true;
                }
                var bridge = Path.Combine(dir, "libLibTorchSharp.so");
                if (!NativeLibrary.TryLoad(bridge, out _))
                {
                    throw new InvalidOperationException(
                        $"cannot load {bridge}; run 'make native' (or 'make build') to prepare the native libraries");
                }
                s_nativeDirectory = dir;
            }
        }
    }

    private static string FindNativeDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DATAFLOW_NATIVE_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv)
                ? fromEnv
                : throw new DirectoryNotFoundException($"DATAFLOW_NATIVE_DIR={fromEnv} does not exist");
        }
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, ".native", "linux-x64");
            if (File.Exists(Path.Combine(candidate, "libLibTorchSharp.so")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"no .native/linux-x64 above {AppContext.BaseDirectory}; run 'make native' or set DATAFLOW_NATIVE_DIR");
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen(string fileName, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern IntPtr dlerror();
}
