using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Tune;

/// <summary>The tunable matrix product C[M,N] = A[M,K] B[K,N], row-major single precision.</summary>
/// <remarks>
/// Every schedule adds the products of an element in the order k = 0, 1, ..., K-1 onto a zero (vector lanes run over
/// columns, never over k), so all schedules give the bits of <see cref="ReferenceKernels.Dense"/>: of its separate
/// multiply and add, or of its fused multiply-add for the fused schedules. Knobs: <c>TileRows</c>, <c>TileCols</c>, <c>TileInner</c> (cache
/// blocks; 0 is the whole extent), <c>Unroll</c> (rows of the register block: 1, 2 or 4), <c>Vector</c> (0 scalar
/// dot products, 1 or 2 vectors of columns per register block row), <c>LoopOrder</c> (0: k blocks outside column
/// blocks; 1: column blocks outside k blocks), <c>Chunk</c> (rows per parallel task), <c>Threads</c>. Written here
/// rather than taken from a BLAS because a BLAS neither exposes these knobs nor promises a fixed summation order.
/// </remarks>
public static class TunedDense
{
    /// <summary>C (at <paramref name="cOffset"/>) = A B for row-major A (m x k) and B (k x n).</summary>
    public static void Run(
        TuneSchedule s, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, int m, int n, int k)
    {
        ArgumentNullException.ThrowIfNull(s);
        if ((long)aOffset + (long)m * k > a.Length || (long)bOffset + (long)k * n > b.Length || (long)cOffset + (long)m * n > c.Length)
        {
            throw new ArgumentException($"buffers too short for a {m}x{n}x{k} product");
        }
        var chunk = s.Chunk <= 0 ? m : s.Chunk;
        var units = TuneParallel.Units(m, chunk);
        TuneParallel.For(units, s.Threads, u =>
        {
            var i0 = u * chunk;
            var i1 = Math.Min(m, i0 + chunk);
            c.AsSpan(cOffset + i0 * n, (i1 - i0) * n).Clear();
            RowRange(s, a, aOffset, b, bOffset, c, cOffset, i0, i1, n, k);
        });
    }

    private static void RowRange(
        TuneSchedule s, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, int i0, int i1, int n, int k)
    {
        var mc = s.TileRows <= 0 ? i1 - i0 : s.TileRows;
        var nc = s.TileCols <= 0 ? n : s.TileCols;
        var kc = s.TileInner <= 0 ? k : s.TileInner;
        for (var ib = i0; ib < i1; ib += mc)
        {
            var ie = Math.Min(i1, ib + mc);
            if (s.LoopOrder == 0)
            {
                for (var kb = 0; kb < k; kb += kc)
                {
                    for (var jb = 0; jb < n; jb += nc)
                    {
                        Block(s, a, aOffset, b, bOffset, c, cOffset, ib, ie, jb, Math.Min(n, jb + nc), kb, Math.Min(k, kb + kc), n, k);
                    }
                }
            }
            else
            {
                for (var jb = 0; jb < n; jb += nc)
                {
                    for (var kb = 0; kb < k; kb += kc)
                    {
                        Block(s, a, aOffset, b, bOffset, c, cOffset, ib, ie, jb, Math.Min(n, jb + nc), kb, Math.Min(k, kb + kc), n, k);
                    }
                }
            }
        }
    }

    private static void Block(
        TuneSchedule s, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset,
        int i0, int i1, int j0, int j1, int k0, int k1, int n, int k)
    {
        ref var a0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), aOffset);
        ref var b0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(b), bOffset);
        ref var c0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(c), cOffset);
        var w = Vector<float>.Count;
        var fused = s.Vector >= 3;
        var nv = s.Vector <= 0 ? 0 : fused ? Math.Min(s.Vector - 2, 2) : Math.Min(s.Vector, 2);
        var mr = s.Unroll >= 4 ? 4 : s.Unroll >= 2 ? 2 : 1;
        var jv = j0;
        if (nv > 0)
        {
            var step = w * nv;
            var jEnd = j0 + (j1 - j0) / step * step;
            var i = i0;
            for (; i + mr <= i1; i += mr)
            {
                for (var j = j0; j < jEnd; j += step)
                {
                    if (fused)
                    {
                        Micro<Fused>(mr, nv, ref a0, ref b0, ref c0, i, j, k0, k1, n, k);
                    }
                    else
                    {
                        Micro<Separate>(mr, nv, ref a0, ref b0, ref c0, i, j, k0, k1, n, k);
                    }
                }
            }
            for (; i < i1; i++)
            {
                for (var j = j0; j < jEnd; j += step)
                {
                    if (fused)
                    {
                        Micro<Fused>(1, nv, ref a0, ref b0, ref c0, i, j, k0, k1, n, k);
                    }
                    else
                    {
                        Micro<Separate>(1, nv, ref a0, ref b0, ref c0, i, j, k0, k1, n, k);
                    }
                }
            }
            jv = jEnd;
        }
        // Scalar dot products: the whole block without vectors, or the columns left over by the vector steps.
        for (var i = i0; i < i1; i++)
        {
            for (var j = jv; j < j1; j++)
            {
                ref var cij = ref Unsafe.Add(ref c0, i * n + j);
                var sum = cij;
                if (fused)
                {
                    for (var kk = k0; kk < k1; kk++)
                    {
                        sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref a0, i * k + kk), Unsafe.Add(ref b0, kk * n + j), sum);
                    }
                }
                else
                {
                    for (var kk = k0; kk < k1; kk++)
                    {
                        sum += Unsafe.Add(ref a0, i * k + kk) * Unsafe.Add(ref b0, kk * n + j);
                    }
                }
                cij = sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Micro<TFused>(int mr, int nv, ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        switch ((mr, nv))
        {
            case (1, 1): Micro1x1<TFused>(ref a0, ref b0, ref c0, i, j, k0, k1, n, k); break;
            case (2, 1): Micro2x1<TFused>(ref a0, ref b0, ref c0, i, j, k0, k1, n, k); break;
            case (4, 1): Micro4x1<TFused>(ref a0, ref b0, ref c0, i, j, k0, k1, n, k); break;
            case (1, _): Micro1x2<TFused>(ref a0, ref b0, ref c0, i, j, k0, k1, n, k); break;
            case (2, _): Micro2x2<TFused>(ref a0, ref b0, ref c0, i, j, k0, k1, n, k); break;
            default: Micro4x2<TFused>(ref a0, ref b0, ref c0, i, j, k0, k1, n, k); break;
        }
    }

    // acc + a b: two roundings, or one for the fused schedules (TFused = Fused; the JIT compiles each apart).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Madd<TFused>(Vector<float> acc, Vector<float> a, Vector<float> b) =>
        typeof(TFused) == typeof(Fused) ? Vector.FusedMultiplyAdd(a, b, acc) : acc + a * b;

    private struct Fused;

    private struct Separate;

    private static Vector<float> Load(ref float x, int offset) => Vector.LoadUnsafe(ref x, (nuint)offset);

    private static void Store(Vector<float> v, ref float x, int offset) => v.StoreUnsafe(ref x, (nuint)offset);

    private static Vector<float> Broadcast(ref float x, int offset) => new(Unsafe.Add(ref x, offset));

    private static void Micro1x1<TFused>(ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        var c00 = Load(ref c0, i * n + j);
        for (var kk = k0; kk < k1; kk++)
        {
            c00 = Madd<TFused>(c00, Broadcast(ref a0, i * k + kk), Load(ref b0, kk * n + j));
        }
        Store(c00, ref c0, i * n + j);
    }

    private static void Micro2x1<TFused>(ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        var c00 = Load(ref c0, i * n + j);
        var c10 = Load(ref c0, (i + 1) * n + j);
        for (var kk = k0; kk < k1; kk++)
        {
            var bv = Load(ref b0, kk * n + j);
            c00 = Madd<TFused>(c00, Broadcast(ref a0, i * k + kk), bv);
            c10 = Madd<TFused>(c10, Broadcast(ref a0, (i + 1) * k + kk), bv);
        }
        Store(c00, ref c0, i * n + j);
        Store(c10, ref c0, (i + 1) * n + j);
    }

    private static void Micro4x1<TFused>(ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        var c00 = Load(ref c0, i * n + j);
        var c10 = Load(ref c0, (i + 1) * n + j);
        var c20 = Load(ref c0, (i + 2) * n + j);
        var c30 = Load(ref c0, (i + 3) * n + j);
        for (var kk = k0; kk < k1; kk++)
        {
            var bv = Load(ref b0, kk * n + j);
            c00 = Madd<TFused>(c00, Broadcast(ref a0, i * k + kk), bv);
            c10 = Madd<TFused>(c10, Broadcast(ref a0, (i + 1) * k + kk), bv);
            c20 = Madd<TFused>(c20, Broadcast(ref a0, (i + 2) * k + kk), bv);
            c30 = Madd<TFused>(c30, Broadcast(ref a0, (i + 3) * k + kk), bv);
        }
        Store(c00, ref c0, i * n + j);
        Store(c10, ref c0, (i + 1) * n + j);
        Store(c20, ref c0, (i + 2) * n + j);
        Store(c30, ref c0, (i + 3) * n + j);
    }

    private static void Micro1x2<TFused>(ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        var w = Vector<float>.Count;
        var c00 = Load(ref c0, i * n + j);
        var c01 = Load(ref c0, i * n + j + w);
        for (var kk = k0; kk < k1; kk++)
        {
            var a = Broadcast(ref a0, i * k + kk);
            c00 = Madd<TFused>(c00, a, Load(ref b0, kk * n + j));
            c01 = Madd<TFused>(c01, a, Load(ref b0, kk * n + j + w));
        }
        Store(c00, ref c0, i * n + j);
        Store(c01, ref c0, i * n + j + w);
    }

    private static void Micro2x2<TFused>(ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        var w = Vector<float>.Count;
        var c00 = Load(ref c0, i * n + j);
        var c01 = Load(ref c0, i * n + j + w);
        var c10 = Load(ref c0, (i + 1) * n + j);
        var c11 = Load(ref c0, (i + 1) * n + j + w);
        for (var kk = k0; kk < k1; kk++)
        {
            var bv0 = Load(ref b0, kk * n + j);
            var bv1 = Load(ref b0, kk * n + j + w);
            var a = Broadcast(ref a0, i * k + kk);
            c00 = Madd<TFused>(c00, a, bv0);
            c01 = Madd<TFused>(c01, a, bv1);
            a = Broadcast(ref a0, (i + 1) * k + kk);
            c10 = Madd<TFused>(c10, a, bv0);
            c11 = Madd<TFused>(c11, a, bv1);
        }
        Store(c00, ref c0, i * n + j);
        Store(c01, ref c0, i * n + j + w);
        Store(c10, ref c0, (i + 1) * n + j);
        Store(c11, ref c0, (i + 1) * n + j + w);
    }

    private static void Micro4x2<TFused>(ref float a0, ref float b0, ref float c0, int i, int j, int k0, int k1, int n, int k)
    {
        var w = Vector<float>.Count;
        var c00 = Load(ref c0, i * n + j);
        var c01 = Load(ref c0, i * n + j + w);
        var c10 = Load(ref c0, (i + 1) * n + j);
        var c11 = Load(ref c0, (i + 1) * n + j + w);
        var c20 = Load(ref c0, (i + 2) * n + j);
        var c21 = Load(ref c0, (i + 2) * n + j + w);
        var c30 = Load(ref c0, (i + 3) * n + j);
        var c31 = Load(ref c0, (i + 3) * n + j + w);
        for (var kk = k0; kk < k1; kk++)
        {
            var bv0 = Load(ref b0, kk * n + j);
            var bv1 = Load(ref b0, kk * n + j + w);
            var a = Broadcast(ref a0, i * k + kk);
            c00 = Madd<TFused>(c00, a, bv0);
            c01 = Madd<TFused>(c01, a, bv1);
            a = Broadcast(ref a0, (i + 1) * k + kk);
            c10 = Madd<TFused>(c10, a, bv0);
            c11 = Madd<TFused>(c11, a, bv1);
            a = Broadcast(ref a0, (i + 2) * k + kk);
            c20 = Madd<TFused>(c20, a, bv0);
            c21 = Madd<TFused>(c21, a, bv1);
            a = Broadcast(ref a0, (i + 3) * k + kk);
            c30 = Madd<TFused>(c30, a, bv0);
            c31 = Madd<TFused>(c31, a, bv1);
        }
        Store(c00, ref c0, i * n + j);
        Store(c01, ref c0, i * n + j + w);
        Store(c10, ref c0, (i + 1) * n + j);
        Store(c11, ref c0, (i + 1) * n + j + w);
        Store(c20, ref c0, (i + 2) * n + j);
        Store(c21, ref c0, (i + 2) * n + j + w);
        Store(c30, ref c0, (i + 3) * n + j);
        Store(c31, ref c0, (i + 3) * n + j + w);
    }
}
