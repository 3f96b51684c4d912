using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Dataflow.Kernels.Compute;

/// <summary>Loads libtorch and TorchSharp's native bridge once per process, before the first torch call.</summary>
/// <remarks>
/// The native folder is, in this order: <c>$DATAFLOW_NATIVE_DIR</c>; the folder recorded in
/// <c>dataflow-native.txt</c> next to the application, which the build of every project that references Dataflow
/// (project or package) writes after preparing the folder; the first <c>.native/linux-x64</c> found walking up
/// from the application folder (what <c>make native</c> writes in a checkout). When that folder holds
/// <c>libglibcxx_shim.so</c> (written only where the system libstdc++ lacks GLIBCXX_3.4.32), the shim is
/// loaded with RTLD_GLOBAL first so the weakened reference in <c>libLibTorchSharp.so</c> resolves to it.
/// A folder that cannot be found or loaded is reported as a <see cref="DllNotFoundException"/> naming the
/// library and the fix.
/// </remarks>
public static class TorchRuntime
{
    /// <summary>The environment variable that names the native folder, overriding every other place.</summary>
    public const string DirectoryVariable = "DATAFLOW_NATIVE_DIR";

    /// <summary>The file, in the application folder, in which the build records the prepared native folder.</summary>
    public const string RecordFileName = "dataflow-native.txt";

    private const string Bridge = "libLibTorchSharp.so";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private const string StaleFolderFix =
        "the folder may be stale (e.g. the NuGet cache was cleared): rebuild the application ('dotnet build'; "
        + "in a Dataflow checkout 'make native')";
    private static readonly object s_gate = new();
    private static string? s_nativeDirectory;

    /// <summary>The folder the native libraries were loaded from, once <see cref="EnsureLoaded"/> ran.</summary>
    public static string? NativeDirectory => s_nativeDirectory;

    /// <summary>True when the libstdc++ compatibility shim was needed and loaded.</summary>
    public static bool ShimLoaded { get; private set; }

    /// <summary>Loads the native libraries (idempotent, thread-safe) and fixes the intra-op thread count.</summary>
    /// <param name="intraOpThreads">libtorch intra-op threads; gradients depend on it, so every logical
    /// worker of a job must use the same value wherever it runs.</param>
    /// <exception cref="DllNotFoundException">The native libraries are missing or cannot be loaded.</exception>
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
    /// <exception cref="DllNotFoundException">The native libraries are missing or cannot be loaded.</exception>
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
                        throw new DllNotFoundException(
                            $"cannot load {shim}: {Marshal.PtrToStringAnsi(dlerror())}; {StaleFolderFix}");
                    }
                    ShimLoaded = true;
                }
                var bridge = Path.Combine(dir, Bridge);
                IntPtr handle;
                try
                {
                    handle = NativeLibrary.Load(bridge);
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException($"cannot load {bridge} ({e.Message}); {StaleFolderFix}");
                }
                ChooseCpuBackends(handle, bridge);
                s_nativeDirectory = dir;
            }
        }
    }

    /// <summary>Whether libtorch may run operators through oneDNN (mkldnn); false once the native libraries are loaded.</summary>
    public static bool OneDnnEnabled
    {
        get
        {
            LoadNative();
            return s_userEnabledMkldnn!(s_globalContext!()) != 0;
        }
    }

    // libtorch's float32 CPU convolutions run through oneDNN 3.7.1 by default, and on this project's machines (AMD EPYC,
    // AVX-512) they return non-finite gradients at random: the same network, inputs and weights give NaN in some
    // processes and not in others, from the first backward pass on, with one intra-op thread and with oneDNN limited to
    // AVX2 alike (a conv net of six layers, 300 SGD steps from the same seed: NaN in 8 of 12 processes with oneDNN, in
    // none of 5 without it, in none of 5 in float64, which oneDNN does not handle). Federated U-Net rounds and IMFE
    // distillation diverged from it. libtorch's native convolutions (im2col and GEMM) are used instead, as torch.backends.mkldnn.enabled = False
    // does in PyTorch; TorchSharp 0.107 has no binding for that switch, so at::globalContext() is reached through the
    // C++ exports of libtorch_cpu, which the bridge links (dlsym on its handle searches its dependencies).
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    private const string SetUserEnabledMkldnnSymbol = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string UserEnabledMkldnnSymbol = "_ZNK2at7Context17userEnabledMkldnnEv";

    // NNPACK is off too. It does not change a result: libtorch tries it first for some float32 convolutions, finds the
    // CPU unsupported (NNPACK knows no AVX-512 machine) and falls back to the same native convolutions, but writes a
    // "Could not initialize NNPACK" warning to stderr at every such call, thousands of lines in a training run.
    private const string SetUserEnabledNnpackSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContextFunction();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetUserEnabledMkldnnFunction(IntPtr context, byte enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate byte UserEnabledMkldnnFunction(IntPtr context);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetUserEnabledNnpackFunction(IntPtr context, byte enabled);

    private static GlobalContextFunction? s_globalContext;
    private static UserEnabledMkldnnFunction? s_userEnabledMkldnn;

    private static void ChooseCpuBackends(IntPtr bridgeHandle, string bridge)
    {
        IntPtr Export(string symbol) => NativeLibrary.TryGetExport(bridgeHandle, symbol, out var address)
            ? address
            : throw new DllNotFoundException(
                $"libtorch's {symbol} was not found through {bridge}: this libtorch is not the version the project was built for; {StaleFolderFix}");
        s_globalContext = Marshal.GetDelegateForFunctionPointer<GlobalContextFunction>(Export(GlobalContextSymbol));
        s_userEnabledMkldnn = Marshal.GetDelegateForFunctionPointer<UserEnabledMkldnnFunction>(Export(UserEnabledMkldnnSymbol));
        var set = Marshal.GetDelegateForFunctionPointer<SetUserEnabledMkldnnFunction>(Export(SetUserEnabledMkldnnSymbol));
        set(s_globalContext(), 0);
        var setNnpack = Marshal.GetDelegateForFunctionPointer<SetUserEnabledNnpackFunction>(Export(SetUserEnabledNnpackSymbol));
        setNnpack(s_globalContext(), 0);
    }

    /// <summary>Loads the native libraries, or says why they cannot be loaded.</summary>
    /// <param name="error">The reason and the fix, as <see cref="LoadNative"/> would throw it.</param>
    public static bool TryLoadNative([NotNullWhen(false)] out string? error)
    {
        try
        {
            LoadNative();
            error = null;
            return true;
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static string FindNativeDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            // An explicit choice is used or reported, never replaced by another folder.
            return HasBridge(fromEnv) ? fromEnv : throw Missing($"{DirectoryVariable}={fromEnv}");
        }
        var looked = new List<string>();
        var application = AppContext.BaseDirectory;
        var record = Path.Combine(application, RecordFileName);
        if (File.Exists(record))
        {
            var recorded = Path.GetFullPath(File.ReadAllText(record).Trim(), application);
            if (HasBridge(recorded))
            {
                return recorded;
            }
            looked.Add($"{recorded}, recorded in {record}");
        }
        else
        {
            looked.Add($"{record}, which is missing");
        }
        for (var d = new DirectoryInfo(application); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, ".native", "linux-x64");
            if (HasBridge(candidate))
            {
                return candidate;
            }
        }
        looked.Add($".native/linux-x64 in and above {application}");
        throw Missing(string.Join("; ", looked));
    }

    private static bool HasBridge(string directory) => File.Exists(Path.Combine(directory, Bridge));

    private static DllNotFoundException Missing(string looked) => new(
        $"{Bridge} (TorchSharp's native bridge to libtorch) not found; looked in: {looked}. "
        + "The build of a project that references Dataflow (project or package) prepares the native libraries "
        + $"and records their folder in {RecordFileName} next to the application: build the application with "
        + $"'dotnet build' (in a Dataflow checkout: 'make native'), or set {DirectoryVariable} to a folder that "
        + "Kernels/Compute/Native/prepare.sh prepared.");

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen(string fileName, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern IntPtr dlerror();
}
