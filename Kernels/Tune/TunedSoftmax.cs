using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Tune;

/// <summary>The tunable row-wise softmax of a rows x cols single-precision matrix.</summary>
/// <remarks>
/// y_j = exp(x_j - max x) / sum_k exp(x_k - max x). The maximum and the exponentials (scalar <see cref="MathF.Exp"/>)
/// do not depend on the schedule; the sum is accumulated in double, in an order the schedule picks, so schedules
/// agree with <see cref="ReferenceKernels.Softmax"/> to a relative 1e-6, not bitwise. Knobs: <c>Vector</c> (0 or 1:
/// vector maximum, widened sum and scaling), <c>Unroll</c> (independent partial sums: 1, 2 or 4), <c>Chunk</c>
/// (rows per parallel task), <c>Threads</c>.
/// </remarks>
public static class TunedSoftmax
{
    /// <summary>output = softmax(input) row by row.</summary>
    public static void Run(TuneSchedule s, int rows, int cols, float[] input, float[] output)
    {
        if (input.Length < rows * cols || output.Length < rows * cols)
        {
            throw new ArgumentException($"buffers too short for {rows}x{cols}");
        }
        var chunk = s.Chunk <= 0 ? rows : s.Chunk;
        TuneParallel.For(TuneParallel.Units(rows, chunk), s.Threads, u =>
        {
            var end = Math.Min(rows, (u + 1) * chunk);
            for (var row = u * chunk; row < end; row++)
            {
                Row(s, input.AsSpan(row * cols, cols), output.AsSpan(row * cols, cols));
            }
        });
    }

    private static void Row(TuneSchedule s, ReadOnlySpan<float> x, Span<float> y)
    {
        var n = x.Length;
        var lanes = Vector<float>.Count;
        var vector = s.Vector > 0 && n >= lanes;
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        var max = float.NegativeInfinity;
        var j = 0;
        if (vector)
        {
            var m = new Vector<float>(float.NegativeInfinity);
            for (; j + lanes <= n; j += lanes)
            {
                m = Vector.Max(m, Vector.LoadUnsafe(ref x0, (nuint)j));
            }
            for (var l = 0; l < lanes; l++)
            {
                max = MathF.Max(max, m[l]);
            }
        }
        for (; j < n; j++)
        {
            max = MathF.Max(max, Unsafe.Add(ref x0, j));
        }
        for (j = 0; j < n; j++)
        {
            Unsafe.Add(ref y0, j) = MathF.Exp(Unsafe.Add(ref x0, j) - max);
        }
        var sum = vector ? VectorSum(ref y0, n, s.Unroll) : ScalarSum(ref y0, n, s.Unroll);
        var scale = (float)(1.0 / sum);
        j = 0;
        if (vector)
        {
            var sv = new Vector<float>(scale);
            for (; j + lanes <= n; j += lanes)
            {
                (Vector.LoadUnsafe(ref y0, (nuint)j) * sv).StoreUnsafe(ref y0, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            Unsafe.Add(ref y0, j) *= scale;
        }
    }

    internal static double ScalarSum(ref float x0, int n, int unroll)
    {
        if (unroll >= 4)
        {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            var j = 0;
            for (; j + 4 <= n; j += 4)
            {
                s0 += Unsafe.Add(ref x0, j);
                s1 += Unsafe.Add(ref x0, j + 1);
                s2 += Unsafe.Add(ref x0, j + 2);
                s3 += Unsafe.Add(ref x0, j + 3);
            }
            for (; j < n; j++)
            {
                s0 += Unsafe.Add(ref x0, j);
            }
            return (s0 + s1) + (s2 + s3);
        }
        if (unroll >= 2)
        {
            double s0 = 0, s1 = 0;
            var j = 0;
            for (; j + 2 <= n; j += 2)
            {
                s0 += Unsafe.Add(ref x0, j);
                s1 += Unsafe.Add(ref x0, j + 1);
            }
            if (j < n)
            {
                s0 += Unsafe.Add(ref x0, j);
            }
            return s0 + s1;
        }
        double sum = 0;
        for (var j = 0; j < n; j++)
        {
            sum += Unsafe.Add(ref x0, j);
        }
        return sum;
    }

    // Widens each float vector into two double vectors; with unroll 2 or more, two float vectors per step feed
    // separate accumulators.
    internal static double VectorSum(ref float x0, int n, int unroll)
    {
        var lanes = Vector<float>.Count;
        var a0 = Vector<double>.Zero;
        var a1 = Vector<double>.Zero;
        var a2 = Vector<double>.Zero;
        var a3 = Vector<double>.Zero;
        var j = 0;
        if (unroll >= 2)
        {
            for (; j + 2 * lanes <= n; j += 2 * lanes)
            {
                Vector.Widen(Vector.LoadUnsafe(ref x0, (nuint)j), out var lo, out var hi);
                a0 += lo;
                a1 += hi;
                Vector.Widen(Vector.LoadUnsafe(ref x0, (nuint)(j + lanes)), out lo, out hi);
                a2 += lo;
                a3 += hi;
            }
        }
        for (; j + lanes <= n; j += lanes)
        {
            Vector.Widen(Vector.LoadUnsafe(ref x0, (nuint)j), out var lo, out var hi);
            a0 += lo;
            a1 += hi;
        }
        var total = Vector.Sum((a0 + a2) + (a1 + a3));
        for (; j < n; j++)
        {
            total += Unsafe.Add(ref x0, j);
        }
        return total;
    }
}
