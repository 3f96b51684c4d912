using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Dataflow.Kernels.Compute;

/// <summary>Runs static ILGPU kernel methods on this node: through ILGPU on a CUDA GPU, or by direct
/// dispatch from <c>Parallel.For</c> on the CPU.</summary>
/// <remarks>
/// <para>A kernel is a static method <c>(Index1D index, T1 arg1, ..., Tn argn)</c> whose arguments are
/// unmanaged structs or <see cref="ArrayView{T}"/>s, written once and valid for ILGPU's implicitly grouped
/// kernels (no shared memory, groups or warps: direct dispatch has none). The method may be private, but
/// struct argument types must be public: ILGPU's generated launchers cannot see non-public types.</para>
/// <para>Ordering: launches and copies on one backend run in the order they are called. A launch on
/// <see cref="ComputeBackendKind.Cuda"/> returns once queued; on the CPU backends it returns once done. Host code
/// that reads a buffer's memory directly must call <see cref="Synchronize"/> first; the copying helpers
/// (<see cref="CopyToArray{T}"/>, <see cref="ComputeBuffer{T}.CopyTo"/>) synchronize themselves.</para>
/// <para>Threads: direct-dispatch launches may come from several threads at once; launches, copies and
/// allocations on an ILGPU accelerator are serialised by one lock and bind the accelerator to the calling
/// thread.</para>
/// <para>Bounds: on the CPU backends an <see cref="ArrayView{T}"/> index out of range fails ILGPU's
/// <c>Trace.Assert</c>, which ends the process; on a GPU it reads or writes stray memory. Kernels must guard
/// their indices themselves.</para>
/// </remarks>
public sealed partial class ComputeBackend : IDisposable
{
    // Direct dispatch allocates through the smallest CPU accelerator ILGPU allows (2 threads per warp, one
    // warp, one multiprocessor): it only provides host memory behind ArrayViews and never runs a kernel.
    private static readonly CPUDevice s_hostMemoryDevice = new(2, 1, 1);
    private static readonly Lazy<string?> s_cudaProblem = new(ProbeCuda, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly ConcurrentDictionary<(MethodInfo Kernel, int GroupSize), Lazy<Delegate>> _kernels = new();
    private readonly ParallelOptions _parallelOptions;
    private readonly Lock _gate = new();
    private volatile bool _disposed;

    private ComputeBackend(
        ComputeBackendSelection selection, ComputeBackendOptions options, Context context, Accelerator accelerator)
    {
        Selection = selection;
        Options = options;
        _context = context;
        _accelerator = accelerator;
        _parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        Name = Kind switch
        {
            ComputeBackendKind.Cuda => $"cuda: {accelerator.Name}",
            ComputeBackendKind.Cpu => $"cpu: direct dispatch on {CpuModelName()}",
            _ => $"ilgpu-cpu: {accelerator.Name} emulating {accelerator.NumMultiprocessors} multiprocessor(s) "
                + $"x {accelerator.MaxNumThreadsPerMultiprocessor} threads",
        };
    }

    /// <summary>True when this process can see a usable CUDA device (probed once per process).</summary>
    public static bool IsCudaAvailable => s_cudaProblem.Value is null;

    /// <summary>Why CUDA is not usable here, or null when it is.</summary>
    public static string? CudaUnavailableReason => s_cudaProblem.Value;

    /// <summary>Where kernels run.</summary>
    public ComputeBackendKind Kind => Selection.Kind;

    /// <summary>How this backend was chosen.</summary>
    public ComputeBackendSelection Selection { get; }

    /// <summary>Chunking of direct dispatch.</summary>
    public ComputeBackendOptions Options { get; }

    /// <summary>Short name for telemetry: kind and device, e.g. <c>cuda: NVIDIA H100 80GB HBM3</c>.</summary>
    public string Name { get; }

    /// <summary>Memory kernels can use, in bytes: the GPU's for CUDA, else what the host grants this process.</summary>
    public long MemoryBytes => Kind == ComputeBackendKind.Cuda
        ? _accelerator.MemorySize
        : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Kernels compiled by ILGPU on this backend so far, one per kernel method and group size; always 0 for direct
    /// dispatch, which compiles no ILGPU kernel.</summary>
    public int CompiledKernelCount => _kernels.Count;

    /// <summary>The ILGPU accelerator that owns this backend's buffers. With direct dispatch it is a CPU
    /// accelerator used only for host memory; launch through <see cref="Launch{T1}"/>, not through it.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Builds the backend for this node.</summary>
    /// <param name="preferred">Backend to use; null lets <c>DATAFLOW_COMPUTE_BACKEND</c> decide, else CUDA when a
    /// device is present and direct CPU dispatch otherwise. See <see cref="ComputeBackendSelection.Resolve"/>.</param>
    /// <param name="options">Direct-dispatch chunking; null takes <see cref="ComputeBackendOptions.Default"/>.</param>
    /// <exception cref="InvalidOperationException">CUDA was asked for explicitly and is not usable.</exception>
    public static ComputeBackend Create(ComputeBackendKind? preferred = null, ComputeBackendOptions? options = null)
    {
        options ??= ComputeBackendOptions.Default;
        options.Validate();
        var selection = ComputeBackendSelection.Resolve(
            preferred,
            Environment.GetEnvironmentVariable(ComputeBackendSelection.EnvironmentVariable),
            () => s_cudaProblem.Value);
        return selection.Kind switch
        {
            ComputeBackendKind.Cuda => CreateCuda(selection, options),
            ComputeBackendKind.Cpu => CreateOnCpu(selection, options, Context.Create(b => b.CPU(s_hostMemoryDevice))),
            _ => CreateOnCpu(selection, options, Context.Create(b => b.CPU(CPUDeviceKind.Default))),
        };
    }

    /// <summary>One line for status pages: backend, device, memory, chunking and why it was chosen.</summary>
    public string Describe()
    {
        var memoryGiB = (MemoryBytes / (1024.0 * 1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture);
        var detail = Kind switch
        {
            ComputeBackendKind.Cuda when _accelerator is CudaAccelerator cuda =>
                $"{cuda.Architecture}, {cuda.NumMultiprocessors} SMs, driver {cuda.DriverVersion}, {memoryGiB} GiB",
            ComputeBackendKind.Cpu =>
                $"{Options.MaxDegreeOfParallelism} workers, min chunk {Options.MinChunkLength}, {memoryGiB} GiB host memory",
            _ => $"{memoryGiB} GiB host memory",
        };
        return $"{Name} ({detail}); {Selection.Reason}";
    }

    /// <summary>A zero-filled buffer of <paramref name="length"/> elements on this backend.</summary>
    public ComputeBuffer<T> Allocate1D<T>(int length)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var buffer = OnAccelerator(() =>
        {
            var allocated = _accelerator.Allocate1D<T>(length);
            if (length > 0 && Kind != ComputeBackendKind.Cpu)
            {
                allocated.MemSetToZero();
            }
            return new ComputeBuffer<T>(this, allocated);
        });
        if (Kind == ComputeBackendKind.Cpu)
        {
            // Direct dispatch never waits on the host accelerator's stream, so zero the memory synchronously.
            buffer.AsSpan().Clear();
        }
        return buffer;
    }

    /// <summary>A buffer holding a copy of <paramref name="values"/>.</summary>
    public ComputeBuffer<T> FromArray<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var buffer = Allocate1D<T>(values.Length);
        buffer.CopyFrom(values);
        return buffer;
    }

    /// <summary>A buffer holding a copy of <paramref name="values"/>.</summary>
    public ComputeBuffer<T> FromArray<T>(T[] values)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromArray<T>(values.AsSpan());
    }

    /// <summary>Waits for earlier launches, then copies <paramref name="buffer"/> into a new array.</summary>
    public T[] CopyToArray<T>(ComputeBuffer<T> buffer)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return buffer.ToArray();
    }

    /// <summary>Waits until every launch and copy issued so far has finished. A no-op for direct dispatch,
    /// whose launches finish before they return.</summary>
    public void Synchronize()
    {
        if (Kind != ComputeBackendKind.Cpu)
        {
            OnAccelerator(() => _accelerator.Synchronize());
        }
    }

    /// <summary>Releases the accelerator and the ILGPU context; buffers still alive become unusable.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _accelerator.Dispose();
            _context.Dispose();
        }
    }

    /// <summary>Copies host memory into <paramref name="target"/>, in launch order.</summary>
    internal void CopyFromHost<T>(ComputeBuffer<T> target, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        if (source.IsEmpty)
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            ThrowIfDisposed();
            source.CopyTo(target.AsSpan());
            return;
        }
        lock (_gate)
        {
            ThrowIfDisposed();
            using var binding = _accelerator.BindScoped();
            target.View.SubView(0, source.Length).CopyFromCPU(source);
            _accelerator.Synchronize();
        }
    }

    /// <summary>Waits for earlier launches, then copies <paramref name="source"/> into host memory.</summary>
    internal void CopyToHost<T>(ComputeBuffer<T> source, Span<T> destination)
        where T : unmanaged
    {
        if (destination.IsEmpty)
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            ThrowIfDisposed();
            source.AsSpan()[..destination.Length].CopyTo(destination);
            return;
        }
        lock (_gate)
        {
            ThrowIfDisposed();
            using var binding = _accelerator.BindScoped();
            _accelerator.Synchronize();
            source.View.SubView(0, destination.Length).CopyToCPU(destination);
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private TResult OnAccelerator<TResult>(Func<TResult> action)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var binding = _accelerator.BindScoped();
            return action();
        }
    }

    private void OnAccelerator(Action action) => OnAccelerator(() =>
    {
        action();
        return true;
    });

    private static ComputeBackend CreateOnCpu(
        ComputeBackendSelection selection, ComputeBackendOptions options, Context context)
    {
        try
        {
            return new ComputeBackend(selection, options, context, context.CreateCPUAccelerator(0));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static ComputeBackend CreateCuda(ComputeBackendSelection selection, ComputeBackendOptions options)
    {
        var context = Context.Create(b => b.Cuda());
        try
        {
            // With only CUDA devices registered, the preferred non-CPU device is the best CUDA device.
            var device = context.GetPreferredDevice(preferCPU: false);
            if (device.AcceleratorType != AcceleratorType.Cuda)
            {
                throw new InvalidOperationException($"ILGPU's preferred device is {device.Name}, not a CUDA device");
            }
            return new ComputeBackend(selection, options, context, device.CreateAccelerator(context));
        }
        catch (Exception ex) when (selection.Automatic)
        {
            // A device that was seen but cannot be opened (driver mismatch, device busy) must not stop an
            // automatically configured node: it computes on the CPU and says why.
            context.Dispose();
            var fallback = new ComputeBackendSelection(
                ComputeBackendKind.Cpu, $"automatic: CUDA device unusable ({ex.Message})", Automatic: true);
            return CreateOnCpu(fallback, options, Context.Create(b => b.CPU(s_hostMemoryDevice)));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static string? ProbeCuda()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count > 0 ? null : "no CUDA device found";
        }
        catch (Exception ex)
        {
            return $"CUDA probe failed: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static string CpuModelName()
    {
        var cores = $"{Environment.ProcessorCount} cores";
        try
        {
            var model = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim();
            return string.IsNullOrEmpty(model) ? cores : $"{model}, {cores}";
        }
        catch (IOException)
        {
            return cores;
        }
        catch (UnauthorizedAccessException)
        {
            return cores;
        }
    }
}
