using Dataflow.Kernels.Compute;
using ILGPU;

namespace Dataflow.Kernels.Tune;

/// <summary>The sizes of a matrix product as the GPU dense kernels read them: C[M,N] = A[M,K] B[K,N], row-major.</summary>
/// <remarks>Public: ILGPU's generated launchers cannot see non-public argument types.</remarks>
public readonly record struct DenseGpuShape(int M, int N, int K);

/// <summary>The tunable matrix product as ILGPU kernels for a CUDA accelerator: one thread per column and block of
/// <c>Unroll</c> rows (1, 2 or 4: the register block, each B element loaded once for the block's rows).</summary>
/// <remarks>
/// Consecutive threads take consecutive columns, so a warp's loads of B and stores of C are contiguous. Implicitly
/// grouped kernels without shared memory, as <see cref="ComputeBackend"/> launches them. Each element sums k in
/// ascending order from zero with a multiply and an add: on ILGPU's CPU accelerator that is bitwise
/// <see cref="ReferenceKernels.Dense"/> unfused; the CUDA compiler may contract them into fused multiply-adds, so on
/// a GPU the promise is 1e-5 relative. <see cref="TunedOperators.Dense"/> runs it when this process sees a CUDA
/// device (<see cref="ComputeBackend.IsCudaAvailable"/>) and the CPU kernels otherwise.
/// </remarks>
public static class TunedDenseGpu
{
    /// <summary>The rows per thread that <paramref name="s"/> asks for: its <c>Unroll</c>, 1, 2 or 4.</summary>
    public static int RowsPerThread(TuneSchedule s) => s.Unroll >= 4 ? 4 : s.Unroll >= 2 ? 2 : 1;

    /// <summary>Threads of a launch for <paramref name="shape"/> with <paramref name="rowsPerThread"/> rows each.</summary>
    public static int Threads(DenseGpuShape shape, int rowsPerThread) => (shape.M + rowsPerThread - 1) / rowsPerThread * shape.N;

    /// <summary>c = a b on <paramref name="backend"/> with schedule <paramref name="s"/> (only <c>Unroll</c> is read).</summary>
    public static void Run(ComputeBackend backend, TuneSchedule s, ComputeBuffer<float> a, ComputeBuffer<float> b, ComputeBuffer<float> c,
        DenseGpuShape shape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (a.Length < (long)shape.M * shape.K || b.Length < (long)shape.K * shape.N || c.Length < (long)shape.M * shape.N)
        {
            throw new ArgumentException($"buffers too short for {shape.M}x{shape.N}x{shape.K}");
        }
        var rows = RowsPerThread(s);
        var threads = Threads(shape, rows);
        switch (rows)
        {
            case 4:
                backend.Launch(Rows4, threads, a.View, b.View, c.View, shape);
                break;
            case 2:
                backend.Launch(Rows2, threads, a.View, b.View, c.View, shape);
                break;
            default:
                backend.Launch(Rows1, threads, a.View, b.View, c.View, shape);
                break;
        }
    }

    /// <summary>One row per thread.</summary>
    public static void Rows1(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, DenseGpuShape s)
    {
        var i = (int)index;
        if (i >= s.M * s.N)
        {
            return;
        }
        var col = i % s.N;
        var row = i / s.N;
        var sum = 0f;
        for (var k = 0; k < s.K; k++)
        {
            sum += a[row * s.K + k] * b[k * s.N + col];
        }
        c[row * s.N + col] = sum;
    }

    /// <summary>Two rows per thread.</summary>
    public static void Rows2(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, DenseGpuShape s)
    {
        var blocks = (s.M + 1) / 2;
        var i = (int)index;
        if (i >= blocks * s.N)
        {
            return;
        }
        var col = i % s.N;
        var row = i / s.N * 2;
        // A last block of one row repeats it in the second accumulator and does not store it.
        var row1 = row + 1 < s.M ? row + 1 : row;
        var sum0 = 0f;
        var sum1 = 0f;
        for (var k = 0; k < s.K; k++)
        {
            var x = b[k * s.N + col];
            sum0 += a[row * s.K + k] * x;
            sum1 += a[row1 * s.K + k] * x;
        }
        c[row * s.N + col] = sum0;
        if (row1 != row)
        {
            c[row1 * s.N + col] = sum1;
        }
    }

    /// <summary>Four rows per thread.</summary>
    public static void Rows4(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, DenseGpuShape s)
    {
        var blocks = (s.M + 3) / 4;
        var i = (int)index;
        if (i >= blocks * s.N)
        {
            return;
        }
        var col = i % s.N;
        var row = i / s.N * 4;
        var last = s.M - 1;
        // Rows past the end repeat the last row in their accumulators and are not stored.
        var row1 = row + 1 <= last ? row + 1 : last;
        var row2 = row + 2 <= last ? row + 2 : last;
        var row3 = row + 3 <= last ? row + 3 : last;
        var sum0 = 0f;
        var sum1 = 0f;
        var sum2 = 0f;
        var sum3 = 0f;
        for (var k = 0; k < s.K; k++)
        {
            var x = b[k * s.N + col];
            sum0 += a[row * s.K + k] * x;
            sum1 += a[row1 * s.K + k] * x;
            sum2 += a[row2 * s.K + k] * x;
            sum3 += a[row3 * s.K + k] * x;
        }
        c[row * s.N + col] = sum0;
        if (row + 1 <= last)
        {
            c[row1 * s.N + col] = sum1;
        }
        if (row + 2 <= last)
        {
            c[row2 * s.N + col] = sum2;
        }
        if (row + 3 <= last)
        {
            c[row3 * s.N + col] = sum3;
        }
    }
}
