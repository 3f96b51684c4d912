using ILGPU;
using ILGPU.Runtime;

namespace Dataflow.Kernels.Compute;

/// <summary>A one-dimensional buffer owned by a <see cref="ComputeBackend"/>; pass <see cref="View"/> to kernels.</summary>
/// <typeparam name="T">Element type.</typeparam>
/// <remarks>On the CPU backends the memory is host memory, readable through <see cref="AsSpan"/>; on CUDA it is
/// device memory, reachable only through the copying methods.</remarks>
public sealed class ComputeBuffer<T> : IDisposable
    where T : unmanaged
{
    internal ComputeBuffer(ComputeBackend backend, MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        Backend = backend;
        Buffer = buffer;
        View = buffer.View.AsContiguous();
        Length = checked((int)buffer.Length);
    }

    /// <summary>The backend that allocated this buffer.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>The ILGPU buffer, for interop with ILGPU APIs.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Buffer { get; }

    /// <summary>The view a kernel takes as an <see cref="ArrayView{T}"/> argument.</summary>
    public ArrayView<T> View { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>True when the elements live in host memory (the CPU backends).</summary>
    public bool IsHostMemory => Backend.Kind != ComputeBackendKind.Cuda;

    /// <summary>The elements in place, without a copy: host-memory buffers only. Call
    /// <see cref="ComputeBackend.Synchronize"/> first where kernels may still be writing.</summary>
    /// <exception cref="InvalidOperationException">The buffer is in GPU memory.</exception>
    public unsafe Span<T> AsSpan()
    {
        if (!IsHostMemory)
        {
            throw new InvalidOperationException($"{Backend.Name}: GPU memory cannot be viewed as a span; copy it with CopyTo");
        }
        Backend.ThrowIfDisposed();
        return Length == 0 ? Span<T>.Empty : new Span<T>(Buffer.NativePtr.ToPointer(), Length);
    }

    /// <summary>Copies <paramref name="source"/> into the start of this buffer.</summary>
    public void CopyFrom(ReadOnlySpan<T> source)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(source.Length, Length, nameof(source));
        Backend.CopyFromHost(this, source);
    }

    /// <summary>Waits for earlier launches, then copies the first <c>destination.Length</c> elements out.</summary>
    public void CopyTo(Span<T> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, Length, nameof(destination));
        Backend.CopyToHost(this, destination);
    }

    /// <summary>Waits for earlier launches, then copies all elements into a new array.</summary>
    public T[] ToArray()
    {
        var values = new T[Length];
        CopyTo(values);
        return values;
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => Buffer.Dispose();
}
