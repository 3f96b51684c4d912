using System.Runtime.ExceptionServices;
using ILGPU;
using ILGPU.Runtime;

namespace Dataflow.Kernels.Compute;

// One Launch overload per kernel arity: ILGPU's kernel loaders are typed per arity, and typed delegates keep
// every argument unboxed on both paths.
public sealed partial class ComputeBackend
{
    /// <summary>Runs the static <paramref name="kernel"/> once for every index in <c>[0, extent.Length)</c>
    /// with 1 argument.</summary>
    /// <typeparam name="T1">Type of kernel argument 1: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <param name="kernel">A static kernel method; compiled once per backend on ILGPU accelerators.</param>
    /// <param name="extent">Indices to run; an <see cref="int"/> converts implicitly.</param>
    /// <param name="arg1">Kernel argument 1, passed as is to every index.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public void Launch<T1>(Action<Index1D, T1> kernel, LaunchExtent extent, T1 arg1)
        where T1 : struct
    {
        if (!BeginLaunch(kernel, extent))
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            var loop = DirectKernelLoop.For<Action<int, int, T1>>(kernel.Method);
            RunChunks(extent, (start, end) => loop(start, end, arg1));
        }
        else
        {
            LaunchOnAccelerator(
                kernel,
                GroupSizeFor(extent),
                static (accelerator, k, group) => group > 0
                    ? accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, T1>(k, group)
                    : accelerator.LoadAutoGroupedStreamKernel<Index1D, T1>(k),
                launcher => launcher(extent.Length, arg1));
        }
    }

    /// <summary>Runs the static <paramref name="kernel"/> once for every index in <c>[0, extent.Length)</c>
    /// with 2 arguments.</summary>
    /// <typeparam name="T1">Type of kernel argument 1: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T2">Type of kernel argument 2: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <param name="kernel">A static kernel method; compiled once per backend on ILGPU accelerators.</param>
    /// <param name="extent">Indices to run; an <see cref="int"/> converts implicitly.</param>
    /// <param name="arg1">Kernel argument 1, passed as is to every index.</param>
    /// <param name="arg2">Kernel argument 2, passed as is to every index.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public void Launch<T1, T2>(Action<Index1D, T1, T2> kernel, LaunchExtent extent, T1 arg1, T2 arg2)
        where T1 : struct
        where T2 : struct
    {
        if (!BeginLaunch(kernel, extent))
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            var loop = DirectKernelLoop.For<Action<int, int, T1, T2>>(kernel.Method);
            RunChunks(extent, (start, end) => loop(start, end, arg1, arg2));
        }
        else
        {
            LaunchOnAccelerator(
                kernel,
                GroupSizeFor(extent),
                static (accelerator, k, group) => group > 0
                    ? accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, T1, T2>(k, group)
                    : accelerator.LoadAutoGroupedStreamKernel<Index1D, T1, T2>(k),
                launcher => launcher(extent.Length, arg1, arg2));
        }
    }

    /// <summary>Runs the static <paramref name="kernel"/> once for every index in <c>[0, extent.Length)</c>
    /// with 3 arguments.</summary>
    /// <typeparam name="T1">Type of kernel argument 1: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T2">Type of kernel argument 2: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T3">Type of kernel argument 3: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <param name="kernel">A static kernel method; compiled once per backend on ILGPU accelerators.</param>
    /// <param name="extent">Indices to run; an <see cref="int"/> converts implicitly.</param>
    /// <param name="arg1">Kernel argument 1, passed as is to every index.</param>
    /// <param name="arg2">Kernel argument 2, passed as is to every index.</param>
    /// <param name="arg3">Kernel argument 3, passed as is to every index.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public void Launch<T1, T2, T3>(Action<Index1D, T1, T2, T3> kernel, LaunchExtent extent, T1 arg1, T2 arg2, T3 arg3)
        where T1 : struct
        where T2 : struct
        where T3 : struct
    {
        if (!BeginLaunch(kernel, extent))
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            var loop = DirectKernelLoop.For<Action<int, int, T1, T2, T3>>(kernel.Method);
            RunChunks(extent, (start, end) => loop(start, end, arg1, arg2, arg3));
        }
        else
        {
            LaunchOnAccelerator(
                kernel,
                GroupSizeFor(extent),
                static (accelerator, k, group) => group > 0
                    ? accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, T1, T2, T3>(k, group)
                    : accelerator.LoadAutoGroupedStreamKernel<Index1D, T1, T2, T3>(k),
                launcher => launcher(extent.Length, arg1, arg2, arg3));
        }
    }

    /// <summary>Runs the static <paramref name="kernel"/> once for every index in <c>[0, extent.Length)</c>
    /// with 4 arguments.</summary>
    /// <typeparam name="T1">Type of kernel argument 1: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T2">Type of kernel argument 2: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T3">Type of kernel argument 3: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T4">Type of kernel argument 4: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <param name="kernel">A static kernel method; compiled once per backend on ILGPU accelerators.</param>
    /// <param name="extent">Indices to run; an <see cref="int"/> converts implicitly.</param>
    /// <param name="arg1">Kernel argument 1, passed as is to every index.</param>
    /// <param name="arg2">Kernel argument 2, passed as is to every index.</param>
    /// <param name="arg3">Kernel argument 3, passed as is to every index.</param>
    /// <param name="arg4">Kernel argument 4, passed as is to every index.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public void Launch<T1, T2, T3, T4>(
        Action<Index1D, T1, T2, T3, T4> kernel,
        LaunchExtent extent,
        T1 arg1,
        T2 arg2,
        T3 arg3,
        T4 arg4)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
    {
        if (!BeginLaunch(kernel, extent))
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            var loop = DirectKernelLoop.For<Action<int, int, T1, T2, T3, T4>>(kernel.Method);
            RunChunks(extent, (start, end) => loop(start, end, arg1, arg2, arg3, arg4));
        }
        else
        {
            LaunchOnAccelerator(
                kernel,
                GroupSizeFor(extent),
                static (accelerator, k, group) => group > 0
                    ? accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, T1, T2, T3, T4>(k, group)
                    : accelerator.LoadAutoGroupedStreamKernel<Index1D, T1, T2, T3, T4>(k),
                launcher => launcher(extent.Length, arg1, arg2, arg3, arg4));
        }
    }

    /// <summary>Runs the static <paramref name="kernel"/> once for every index in <c>[0, extent.Length)</c>
    /// with 5 arguments.</summary>
    /// <typeparam name="T1">Type of kernel argument 1: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T2">Type of kernel argument 2: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T3">Type of kernel argument 3: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T4">Type of kernel argument 4: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T5">Type of kernel argument 5: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <param name="kernel">A static kernel method; compiled once per backend on ILGPU accelerators.</param>
    /// <param name="extent">Indices to run; an <see cref="int"/> converts implicitly.</param>
    /// <param name="arg1">Kernel argument 1, passed as is to every index.</param>
    /// <param name="arg2">Kernel argument 2, passed as is to every index.</param>
    /// <param name="arg3">Kernel argument 3, passed as is to every index.</param>
    /// <param name="arg4">Kernel argument 4, passed as is to every index.</param>
    /// <param name="arg5">Kernel argument 5, passed as is to every index.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public void Launch<T1, T2, T3, T4, T5>(
        Action<Index1D, T1, T2, T3, T4, T5> kernel,
        LaunchExtent extent,
        T1 arg1,
        T2 arg2,
        T3 arg3,
        T4 arg4,
        T5 arg5)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
    {
        if (!BeginLaunch(kernel, extent))
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            var loop = DirectKernelLoop.For<Action<int, int, T1, T2, T3, T4, T5>>(kernel.Method);
            RunChunks(extent, (start, end) => loop(start, end, arg1, arg2, arg3, arg4, arg5));
        }
        else
        {
            LaunchOnAccelerator(
                kernel,
                GroupSizeFor(extent),
                static (accelerator, k, group) => group > 0
                    ? accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, T1, T2, T3, T4, T5>(k, group)
                    : accelerator.LoadAutoGroupedStreamKernel<Index1D, T1, T2, T3, T4, T5>(k),
                launcher => launcher(extent.Length, arg1, arg2, arg3, arg4, arg5));
        }
    }

    /// <summary>Runs the static <paramref name="kernel"/> once for every index in <c>[0, extent.Length)</c>
    /// with 6 arguments.</summary>
    /// <typeparam name="T1">Type of kernel argument 1: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T2">Type of kernel argument 2: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T3">Type of kernel argument 3: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T4">Type of kernel argument 4: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T5">Type of kernel argument 5: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <typeparam name="T6">Type of kernel argument 6: an unmanaged struct or an <see cref="ArrayView{T}"/>.</typeparam>
    /// <param name="kernel">A static kernel method; compiled once per backend on ILGPU accelerators.</param>
    /// <param name="extent">Indices to run; an <see cref="int"/> converts implicitly.</param>
    /// <param name="arg1">Kernel argument 1, passed as is to every index.</param>
    /// <param name="arg2">Kernel argument 2, passed as is to every index.</param>
    /// <param name="arg3">Kernel argument 3, passed as is to every index.</param>
    /// <param name="arg4">Kernel argument 4, passed as is to every index.</param>
    /// <param name="arg5">Kernel argument 5, passed as is to every index.</param>
    /// <param name="arg6">Kernel argument 6, passed as is to every index.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public void Launch<T1, T2, T3, T4, T5, T6>(
        Action<Index1D, T1, T2, T3, T4, T5, T6> kernel,
        LaunchExtent extent,
        T1 arg1,
        T2 arg2,
        T3 arg3,
        T4 arg4,
        T5 arg5,
        T6 arg6)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
    {
        if (!BeginLaunch(kernel, extent))
        {
            return;
        }
        if (Kind == ComputeBackendKind.Cpu)
        {
            var loop = DirectKernelLoop.For<Action<int, int, T1, T2, T3, T4, T5, T6>>(kernel.Method);
            RunChunks(extent, (start, end) => loop(start, end, arg1, arg2, arg3, arg4, arg5, arg6));
        }
        else
        {
            LaunchOnAccelerator(
                kernel,
                GroupSizeFor(extent),
                static (accelerator, k, group) => group > 0
                    ? accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, T1, T2, T3, T4, T5, T6>(k, group)
                    : accelerator.LoadAutoGroupedStreamKernel<Index1D, T1, T2, T3, T4, T5, T6>(k),
                launcher => launcher(extent.Length, arg1, arg2, arg3, arg4, arg5, arg6));
        }
    }

    private bool BeginLaunch(Delegate kernel, LaunchExtent extent)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentOutOfRangeException.ThrowIfNegative(extent.Length, nameof(extent));
        ArgumentOutOfRangeException.ThrowIfNegative(extent.MinChunkLength, nameof(extent));
        ArgumentOutOfRangeException.ThrowIfNegative(extent.GroupSize, nameof(extent));
        // Direct dispatch could call anything, but a GPU cannot: rejecting instance methods and closures here
        // keeps code that works on a CPU node working on a CUDA node.
        if (!kernel.Method.IsStatic || kernel.Target is not null || !kernel.HasSingleTarget)
        {
            throw new ArgumentException(
                $"{kernel.Method.DeclaringType?.Name}.{kernel.Method.Name} is not a static kernel method", nameof(kernel));
        }
        ThrowIfDisposed();
        return extent.Length > 0;
    }

    private void RunChunks(LaunchExtent extent, Action<int, int> body)
    {
        var length = extent.Length;
        var chunk = Options.ChunkLengthFor(length, extent.MinChunkLength);
        var chunks = (int)((length + (long)chunk - 1) / chunk);
        if (chunks == 1 || Options.MaxDegreeOfParallelism == 1)
        {
            body(0, length);
            return;
        }
        try
        {
            Parallel.For(0, chunks, _parallelOptions, c =>
            {
                var start = c * chunk;
                body(start, (int)Math.Min((long)start + chunk, length));
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            // One failing chunk surfaces as the kernel's own exception, as it does when a launch runs inline.
            ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }
    }

    // The launch's group size on this accelerator: 0 (ILGPU chooses) unless the extent asks for one, which is then
    // rounded up to whole warps and kept within the device's limit.
    private int GroupSizeFor(LaunchExtent extent)
    {
        if (extent.GroupSize <= 0)
        {
            return 0;
        }
        var warp = Math.Max(1, _accelerator.WarpSize);
        var limit = Math.Max(warp, _accelerator.MaxNumThreadsPerGroup / warp * warp);
        return Math.Min(limit, (extent.GroupSize + warp - 1) / warp * warp);
    }

    private void LaunchOnAccelerator<TKernel>(
        TKernel kernel, int groupSize, Func<Accelerator, TKernel, int, TKernel> load, Action<TKernel> launch)
        where TKernel : Delegate
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var binding = _accelerator.BindScoped();
            var loaded = _kernels.GetOrAdd(
                (kernel.Method, groupSize),
                _ => new Lazy<Delegate>(() => load(_accelerator, kernel, groupSize), LazyThreadSafetyMode.ExecutionAndPublication));
            launch((TKernel)loaded.Value);
        }
    }
}
