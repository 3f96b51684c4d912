using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>A 1-D complex FFT plan of any length: mixed radix 2, 3, 4, 5, 7, 11, 13, else Bluestein.</summary>
/// <remarks>
/// <para>Lengths whose prime factors are all at most 13 use a self-sorting Stockham decimation-in-frequency
/// algorithm (Van Loan, Computational Frameworks for the FFT, SIAM 1992, ch. 1-2; radix-p stage:
/// y[q + s(p j + t)] = w_n^(t j) sum_r x[q + s(j + r m)] w_p^(r t), with n the current length, m = n/p and s the
/// product of the radices already applied), with dedicated butterflies for radices 2, 3, 4 and 5. Other lengths
/// use Bluestein's chirp-z algorithm (Bluestein 1970; Rabiner, Schafer &amp; Rader 1969) on a power-of-two
/// convolution.</para>
/// <para><see cref="TransformBatch(Complex[], int, int, int, Complex[], bool)"/> transforms many interleaved
/// sequences at once (element j of sequence b at <c>offset + b + stride j</c>); the inner loop then runs over the
/// sequences, contiguous in memory (two complex values per AVX vector where the hardware has it), which is how
/// <see cref="ComplexFft3D"/> does all three axes. Forward is
/// <c>X[k] = sum_j x[j] exp(-2 pi i j k / n)</c>; inverse uses +i and does not divide by n (FFTW's convention).
/// A plan is immutable after construction and may be shared between threads.</para>
/// </remarks>
public sealed class ComplexFft
{
    private const int LargestDirectRadix = 13;

    private readonly Stage[] _stages;
    private readonly Bluestein? _bluestein;

    /// <summary>Plans a transform of <paramref name="length"/> points.</summary>
    public ComplexFft(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Length = length;
        var radices = Factor(length);
        if (radices is null)
        {
            _stages = [];
            _bluestein = new Bluestein(length);
        }
        else
        {
            _stages = BuildStages(length, radices);
        }
    }

    /// <summary>Number of points.</summary>
    public int Length { get; }

    /// <summary>True when the length has a prime factor above 13 and Bluestein's algorithm is used.</summary>
    public bool UsesBluestein => _bluestein is not null;

    /// <summary>True when every prime factor of <paramref name="n"/> is 2, 3 or 5 (LAMMPS's <c>factorable</c>).</summary>
    public static bool Is235Smooth(int n)
    {
        if (n < 1)
        {
            return false;
        }
        foreach (var p in (int[])[2, 3, 5])
        {
            while (n % p == 0)
            {
                n /= p;
            }
        }
        return n == 1;
    }

    /// <summary>Forward transform of <paramref name="data"/> (length <see cref="Length"/>), in place.</summary>
    public void Forward(Complex[] data) => Transform(data, inverse: false);

    /// <summary>Unnormalised inverse transform of <paramref name="data"/>, in place.</summary>
    public void Inverse(Complex[] data) => Transform(data, inverse: true);

    /// <summary>Transforms <paramref name="batch"/> interleaved sequences in place.</summary>
    /// <param name="data">Holds element j of sequence b at <c>offset + b + stride j</c>.</param>
    /// <param name="offset">Index of element 0 of sequence 0.</param>
    /// <param name="stride">Distance between consecutive elements of one sequence; at least <paramref name="batch"/>.</param>
    /// <param name="batch">Number of sequences.</param>
    /// <param name="work">Scratch of at least <c>batch * Length</c> elements.</param>
    /// <param name="inverse">False for forward, true for the unnormalised inverse.</param>
    public void TransformBatch(Complex[] data, int offset, int stride, int batch, Complex[] work, bool inverse) =>
        TransformBatch(data, offset, stride, batch, work, 0, inverse);

    /// <summary>Transforms <paramref name="batch"/> interleaved sequences in place, with scratch from
    /// <paramref name="workOffset"/> on (which may lie in <paramref name="data"/>, past the sequences).</summary>
    public void TransformBatch(
        Complex[] data, int offset, int stride, int batch, Complex[] work, int workOffset, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(work);
        if (batch < 1 || stride < batch || offset < 0
            || offset + (batch - 1) + ((long)stride * (Length - 1)) >= data.Length)
        {
            throw new ArgumentException(
                $"batch {batch} at offset {offset}, stride {stride} does not fit {data.Length} elements");
        }
        if (_bluestein is not null)
        {
            _bluestein.TransformBatch(data, offset, stride, batch, inverse);
            return;
        }
        if (_stages.Length == 0)
        {
            return;
        }
        if (workOffset < 0 || work.Length - workOffset < (long)batch * Length)
        {
            throw new ArgumentException($"work holds {work.Length - workOffset} elements, needs {batch * Length}");
        }
        var source = data;
        var sourceOffset = offset;
        var sourceStride = stride;
        var target = work;
        var targetOffset = workOffset;
        var targetStride = batch;
        foreach (var stage in _stages)
        {
            stage.Run(source, sourceOffset, sourceStride, target, targetOffset, targetStride, batch, inverse);
            (source, target) = (target, source);
            (sourceOffset, targetOffset) = (targetOffset, sourceOffset);
            (sourceStride, targetStride) = (targetStride, sourceStride);
        }
        // An odd number of passes leaves the result in the scratch.
        if (_stages.Length % 2 == 1)
        {
            for (var j = 0; j < Length; j++)
            {
                Array.Copy(work, workOffset + (j * batch), data, offset + (j * stride), batch);
            }
        }
    }

    private void Transform(Complex[] data, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != Length)
        {
            throw new ArgumentException($"expected {Length} points, got {data.Length}");
        }
        TransformBatch(data, 0, 1, 1, new Complex[Length], inverse);
    }

    // Radices for a Stockham plan, largest stages first; null when a prime factor is too large.
    private static List<int>? Factor(int n)
    {
        var radices = new List<int>();
        while (n % 4 == 0)
        {
            radices.Add(4);
            n /= 4;
        }
        foreach (var p in (int[])[2, 3, 5, 7, 11, 13])
        {
            while (n % p == 0)
            {
                radices.Add(p);
                n /= p;
            }
        }
        return n == 1 ? radices : null;
    }

    private static Stage[] BuildStages(int length, List<int> radices)
    {
        var stages = new Stage[radices.Count];
        var current = length;
        var stride = 1;
        for (var i = 0; i < radices.Count; i++)
        {
            stages[i] = new Stage(radices[i], current, stride);
            current /= radices[i];
            stride *= radices[i];
        }
        return stages;
    }

    /// <summary>One radix-p pass: current length n = p m, stride s.</summary>
    private sealed class Stage
    {
        private readonly int _radix;
        private readonly int _m;
        private readonly int _s;
        private readonly Complex[] _forwardTwiddles;
        private readonly Complex[] _inverseTwiddles;
        private readonly Complex[] _forwardRoots;
        private readonly Complex[] _inverseRoots;

        public Stage(int radix, int currentLength, int stride)
        {
            _radix = radix;
            _m = currentLength / radix;
            _s = stride;
            // w_n^(t j) for j < m, 1 <= t < p, from direct sin/cos so that errors do not accumulate.
            _forwardTwiddles = new Complex[_m * (radix - 1)];
            _inverseTwiddles = new Complex[_m * (radix - 1)];
            for (var j = 0; j < _m; j++)
            {
                for (var t = 1; t < radix; t++)
                {
                    var (sin, cos) = Math.SinCos(2.0 * Math.PI * ((long)t * j % currentLength) / currentLength);
                    _forwardTwiddles[(j * (radix - 1)) + t - 1] = new Complex(cos, -sin);
                    _inverseTwiddles[(j * (radix - 1)) + t - 1] = new Complex(cos, sin);
                }
            }
            _forwardRoots = new Complex[radix];
            _inverseRoots = new Complex[radix];
            for (var r = 0; r < radix; r++)
            {
                var (sin, cos) = Math.SinCos(2.0 * Math.PI * r / radix);
                _forwardRoots[r] = new Complex(cos, -sin);
                _inverseRoots[r] = new Complex(cos, sin);
            }
        }

        public void Run(
            Complex[] x, int xOffset, int xStride, Complex[] y, int yOffset, int yStride, int batch, bool inverse)
        {
            // When both sides are densely interleaved, the (q, b) loops fuse into one contiguous run of s * batch.
            var dense = xStride == batch && yStride == batch;
            var run = dense ? batch * _s : batch;
            var qCount = dense ? 1 : _s;
            var twiddles = inverse ? _inverseTwiddles : _forwardTwiddles;
            var sign = inverse ? 1.0 : -1.0;
            // Input r of butterfly j sits at q + s (j + r m), output t at q + s (p j + t), in elements.
            var layout = new Layout(
                JumpX: xStride * _s, StepX: xStride * _s * _m, JumpY: yStride * _s * _radix, StepY: yStride * _s,
                Run: run, Butterflies: _m);
            for (var q = 0; q < qCount; q++)
            {
                var xBase = xOffset + (xStride * q);
                var yBase = yOffset + (yStride * q);
                switch (_radix)
                {
                    case 2:
                        Radix2(x, xBase, y, yBase, layout, twiddles);
                        break;
                    case 3:
                        Radix3(x, xBase, y, yBase, layout, twiddles, sign);
                        break;
                    case 4:
                        Radix4(x, xBase, y, yBase, layout, twiddles, sign);
                        break;
                    case 5:
                        Radix5(x, xBase, y, yBase, layout, twiddles, sign);
                        break;
                    default:
                        RadixGeneric(x, xBase, y, yBase, layout, twiddles, inverse ? _inverseRoots : _forwardRoots);
                        break;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Radix2(Complex[] x, int xBase, Complex[] y, int yBase, Layout l, Complex[] tw)
        {
            var (xs, ys, run) = (l.StepX, l.StepY, l.Run);
            for (var j = 0; j < l.Butterflies; j++)
            {
                var xb = xBase + (j * l.JumpX);
                var yb = yBase + (j * l.JumpY);
                var w1 = tw[j];
                ref var x0 = ref At(x, xb, run);
                ref var x1 = ref At(x, xb + xs, run);
                ref var y0 = ref At(y, yb, run);
                ref var y1 = ref At(y, yb + ys, run);
                var u = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var (w1r, w1i) = Broadcast(w1);
                    for (; u + 1 < run; u += 2)
                    {
                        var a0 = Load(ref x0, u);
                        var a1 = Load(ref x1, u);
                        Store(ref y0, u, a0 + a1);
                        Store(ref y1, u, Multiply(a0 - a1, w1r, w1i));
                    }
                }
                for (; u < run; u++)
                {
                    var a0 = Unsafe.Add(ref x0, u);
                    var a1 = Unsafe.Add(ref x1, u);
                    Unsafe.Add(ref y0, u) = a0 + a1;
                    Unsafe.Add(ref y1, u) = (a0 - a1) * w1;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Radix3(Complex[] x, int xBase, Complex[] y, int yBase, Layout l, Complex[] tw, double sign)
        {
            // w_3 = -1/2 + sign i sqrt(3)/2.
            const double HalfSqrt3 = 0.86602540378443864676;
            var (xs, ys, run) = (l.StepX, l.StepY, l.Run);
            for (var j = 0; j < l.Butterflies; j++)
            {
                var xb = xBase + (j * l.JumpX);
                var yb = yBase + (j * l.JumpY);
                var w1 = tw[2 * j];
                var w2 = tw[(2 * j) + 1];
                ref var x0 = ref At(x, xb, run);
                ref var x1 = ref At(x, xb + xs, run);
                ref var x2 = ref At(x, xb + (2 * xs), run);
                ref var y0 = ref At(y, yb, run);
                ref var y1 = ref At(y, yb + ys, run);
                ref var y2 = ref At(y, yb + (2 * ys), run);
                var u = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var (w1r, w1i) = Broadcast(w1);
                    var (w2r, w2i) = Broadcast(w2);
                    var rotate = RotationMask(sign * HalfSqrt3);
                    var half = Vector256.Create(0.5);
                    for (; u + 1 < run; u += 2)
                    {
                        var a0 = Load(ref x0, u);
                        var a1 = Load(ref x1, u);
                        var a2 = Load(ref x2, u);
                        var sum = a1 + a2;
                        var t = a0 - (half * sum);
                        var rot = Swap(a1 - a2) * rotate;
                        Store(ref y0, u, a0 + sum);
                        Store(ref y1, u, Multiply(t + rot, w1r, w1i));
                        Store(ref y2, u, Multiply(t - rot, w2r, w2i));
                    }
                }
                for (; u < run; u++)
                {
                    var a0 = Unsafe.Add(ref x0, u);
                    var a1 = Unsafe.Add(ref x1, u);
                    var a2 = Unsafe.Add(ref x2, u);
                    var sum = a1 + a2;
                    var t = a0 - (0.5 * sum);
                    var d = (a1 - a2) * (sign * HalfSqrt3);
                    var rot = new Complex(-d.Imaginary, d.Real);
                    Unsafe.Add(ref y0, u) = a0 + sum;
                    Unsafe.Add(ref y1, u) = (t + rot) * w1;
                    Unsafe.Add(ref y2, u) = (t - rot) * w2;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Radix4(Complex[] x, int xBase, Complex[] y, int yBase, Layout l, Complex[] tw, double sign)
        {
            var (xs, ys, run) = (l.StepX, l.StepY, l.Run);
            for (var j = 0; j < l.Butterflies; j++)
            {
                var xb = xBase + (j * l.JumpX);
                var yb = yBase + (j * l.JumpY);
                var w1 = tw[3 * j];
                var w2 = tw[(3 * j) + 1];
                var w3 = tw[(3 * j) + 2];
                ref var x0 = ref At(x, xb, run);
                ref var x1 = ref At(x, xb + xs, run);
                ref var x2 = ref At(x, xb + (2 * xs), run);
                ref var x3 = ref At(x, xb + (3 * xs), run);
                ref var y0 = ref At(y, yb, run);
                ref var y1 = ref At(y, yb + ys, run);
                ref var y2 = ref At(y, yb + (2 * ys), run);
                ref var y3 = ref At(y, yb + (3 * ys), run);
                var u = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var (w1r, w1i) = Broadcast(w1);
                    var (w2r, w2i) = Broadcast(w2);
                    var (w3r, w3i) = Broadcast(w3);
                    var rotate = RotationMask(sign);
                    for (; u + 1 < run; u += 2)
                    {
                        var a0 = Load(ref x0, u);
                        var a1 = Load(ref x1, u);
                        var a2 = Load(ref x2, u);
                        var a3 = Load(ref x3, u);
                        var s02 = a0 + a2;
                        var d02 = a0 - a2;
                        var s13 = a1 + a3;
                        var rot = Swap(a1 - a3) * rotate;
                        Store(ref y0, u, s02 + s13);
                        Store(ref y1, u, Multiply(d02 + rot, w1r, w1i));
                        Store(ref y2, u, Multiply(s02 - s13, w2r, w2i));
                        Store(ref y3, u, Multiply(d02 - rot, w3r, w3i));
                    }
                }
                for (; u < run; u++)
                {
                    var a0 = Unsafe.Add(ref x0, u);
                    var a1 = Unsafe.Add(ref x1, u);
                    var a2 = Unsafe.Add(ref x2, u);
                    var a3 = Unsafe.Add(ref x3, u);
                    var s02 = a0 + a2;
                    var d02 = a0 - a2;
                    var s13 = a1 + a3;
                    var d13 = a1 - a3;
                    // (a1 - a3) times w_4 = sign i.
                    var rot = new Complex(-sign * d13.Imaginary, sign * d13.Real);
                    Unsafe.Add(ref y0, u) = s02 + s13;
                    Unsafe.Add(ref y1, u) = (d02 + rot) * w1;
                    Unsafe.Add(ref y2, u) = (s02 - s13) * w2;
                    Unsafe.Add(ref y3, u) = (d02 - rot) * w3;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Radix5(Complex[] x, int xBase, Complex[] y, int yBase, Layout l, Complex[] tw, double sign)
        {
            const double C1 = 0.30901699437494742410; // cos(2 pi / 5)
            const double C2 = -0.80901699437494742410; // cos(4 pi / 5)
            const double S1 = 0.95105651629515357212; // sin(2 pi / 5)
            const double S2 = 0.58778525229247312917; // sin(4 pi / 5)
            var (xs, ys, run) = (l.StepX, l.StepY, l.Run);
            for (var j = 0; j < l.Butterflies; j++)
            {
                var xb = xBase + (j * l.JumpX);
                var yb = yBase + (j * l.JumpY);
                var w1 = tw[4 * j];
                var w2 = tw[(4 * j) + 1];
                var w3 = tw[(4 * j) + 2];
                var w4 = tw[(4 * j) + 3];
                ref var x0 = ref At(x, xb, run);
                ref var x1 = ref At(x, xb + xs, run);
                ref var x2 = ref At(x, xb + (2 * xs), run);
                ref var x3 = ref At(x, xb + (3 * xs), run);
                ref var x4 = ref At(x, xb + (4 * xs), run);
                ref var y0 = ref At(y, yb, run);
                ref var y1 = ref At(y, yb + ys, run);
                ref var y2 = ref At(y, yb + (2 * ys), run);
                ref var y3 = ref At(y, yb + (3 * ys), run);
                ref var y4 = ref At(y, yb + (4 * ys), run);
                var u = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var (w1r, w1i) = Broadcast(w1);
                    var (w2r, w2i) = Broadcast(w2);
                    var (w3r, w3i) = Broadcast(w3);
                    var (w4r, w4i) = Broadcast(w4);
                    var rotate = RotationMask(sign);
                    var c1 = Vector256.Create(C1);
                    var c2 = Vector256.Create(C2);
                    var s1 = Vector256.Create(S1);
                    var s2 = Vector256.Create(S2);
                    for (; u + 1 < run; u += 2)
                    {
                        var a0 = Load(ref x0, u);
                        var a1 = Load(ref x1, u);
                        var a2 = Load(ref x2, u);
                        var a3 = Load(ref x3, u);
                        var a4 = Load(ref x4, u);
                        var s14 = a1 + a4;
                        var s23 = a2 + a3;
                        var d14 = a1 - a4;
                        var d23 = a2 - a3;
                        var r1 = a0 + (c1 * s14) + (c2 * s23);
                        var r2 = a0 + (c2 * s14) + (c1 * s23);
                        var rot1 = Swap((s1 * d14) + (s2 * d23)) * rotate;
                        var rot2 = Swap((s2 * d14) - (s1 * d23)) * rotate;
                        Store(ref y0, u, a0 + s14 + s23);
                        Store(ref y1, u, Multiply(r1 + rot1, w1r, w1i));
                        Store(ref y2, u, Multiply(r2 + rot2, w2r, w2i));
                        Store(ref y3, u, Multiply(r2 - rot2, w3r, w3i));
                        Store(ref y4, u, Multiply(r1 - rot1, w4r, w4i));
                    }
                }
                for (; u < run; u++)
                {
                    var a0 = Unsafe.Add(ref x0, u);
                    var a1 = Unsafe.Add(ref x1, u);
                    var a2 = Unsafe.Add(ref x2, u);
                    var a3 = Unsafe.Add(ref x3, u);
                    var a4 = Unsafe.Add(ref x4, u);
                    var s14 = a1 + a4;
                    var s23 = a2 + a3;
                    var d14 = a1 - a4;
                    var d23 = a2 - a3;
                    var r1 = a0 + (C1 * s14) + (C2 * s23);
                    var r2 = a0 + (C2 * s14) + (C1 * s23);
                    var i1 = (S1 * d14) + (S2 * d23);
                    var i2 = (S2 * d14) - (S1 * d23);
                    var rot1 = new Complex(-sign * i1.Imaginary, sign * i1.Real);
                    var rot2 = new Complex(-sign * i2.Imaginary, sign * i2.Real);
                    Unsafe.Add(ref y0, u) = a0 + s14 + s23;
                    Unsafe.Add(ref y1, u) = (r1 + rot1) * w1;
                    Unsafe.Add(ref y2, u) = (r2 + rot2) * w2;
                    Unsafe.Add(ref y3, u) = (r2 - rot2) * w3;
                    Unsafe.Add(ref y4, u) = (r1 - rot1) * w4;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RadixGeneric(
            Complex[] x, int xBase, Complex[] y, int yBase, Layout l, Complex[] tw, Complex[] roots)
        {
            var p = _radix;
            var (xs, ys, run) = (l.StepX, l.StepY, l.Run);
            Span<Complex> a = stackalloc Complex[LargestDirectRadix];
            for (var j = 0; j < l.Butterflies; j++)
            {
                var xb = xBase + (j * l.JumpX);
                var yb = yBase + (j * l.JumpY);
                var t0 = j * (p - 1);
                for (var u = 0; u < run; u++)
                {
                    for (var r = 0; r < p; r++)
                    {
                        a[r] = x[xb + (r * xs) + u];
                    }
                    for (var t = 0; t < p; t++)
                    {
                        var sum = a[0];
                        for (var r = 1; r < p; r++)
                        {
                            sum += a[r] * roots[r * t % p];
                        }
                        y[yb + (t * ys) + u] = t == 0 ? sum : sum * tw[t0 + t - 1];
                    }
                }
            }
        }
    }

    // A reference to array[start], after one range check for the whole run [start, start + run): the
    // butterflies' inner loops then index without per-element bounds checks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Complex At(Complex[] array, int start, int run)
    {
        if ((uint)start > (uint)array.Length || (uint)run > (uint)(array.Length - start))
        {
            throw new IndexOutOfRangeException($"run [{start}, {start + run}) outside {array.Length} elements");
        }
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), start);
    }

    // Two complex numbers per 256-bit vector as (re0, im0, re1, im1): a twiddle w broadcast as (wr, wr, wr, wr)
    // and (-wi, wi, -wi, wi) multiplies by a w + swap(a) (-wi, wi, ...); multiplying by c i is swap(a) (-c, c, ...).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Load(ref Complex start, int u) =>
        Vector256.LoadUnsafe(ref Unsafe.As<Complex, double>(ref Unsafe.Add(ref start, u)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref Complex start, int u, Vector256<double> value) =>
        value.StoreUnsafe(ref Unsafe.As<Complex, double>(ref Unsafe.Add(ref start, u)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Swap(Vector256<double> a) => Vector256.Shuffle(a, Vector256.Create(1L, 0L, 3L, 2L));

    private static (Vector256<double> Real, Vector256<double> SignedImaginary) Broadcast(Complex w) =>
        (Vector256.Create(w.Real), Vector256.Create(-w.Imaginary, w.Imaginary, -w.Imaginary, w.Imaginary));

    private static Vector256<double> RotationMask(double c) => Vector256.Create(-c, c, -c, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Multiply(Vector256<double> a, Vector256<double> wr, Vector256<double> wi) =>
        (a * wr) + (Swap(a) * wi);

    /// <summary>Where a stage's butterflies read and write: input r of butterfly j at
    /// <c>base + j JumpX + r StepX + u</c>, output t at <c>base + j JumpY + t StepY + u</c>, u &lt; Run.</summary>
    private readonly record struct Layout(int JumpX, int StepX, int JumpY, int StepY, int Run, int Butterflies);

    /// <summary>Bluestein's chirp-z transform: a length-n DFT as a power-of-two circular convolution.</summary>
    private sealed class Bluestein
    {
        private readonly int _n;
        private readonly ComplexFft _inner;
        private readonly Complex[] _forwardChirp;
        private readonly Complex[] _inverseChirp;
        private readonly Complex[] _forwardKernel;
        private readonly Complex[] _inverseKernel;

        public Bluestein(int n)
        {
            _n = n;
            var m = 1;
            while (m < (2 * n) - 1)
            {
                m *= 2;
            }
            _inner = new ComplexFft(m);
            // c_j = exp(sign i pi j^2 / n), with j^2 reduced mod 2n so that the angle stays accurate;
            // then w^(jk) = c_j c_k conj(c_(k-j)) turns the DFT into a convolution with conj(c).
            _forwardChirp = new Complex[n];
            _inverseChirp = new Complex[n];
            for (var j = 0; j < n; j++)
            {
                var (sin, cos) = Math.SinCos(Math.PI * ((long)j * j % (2L * n)) / n);
                _forwardChirp[j] = new Complex(cos, -sin);
                _inverseChirp[j] = new Complex(cos, sin);
            }
            _forwardKernel = KernelSpectrum(_forwardChirp, m);
            _inverseKernel = KernelSpectrum(_inverseChirp, m);
        }

        public void TransformBatch(Complex[] data, int offset, int stride, int batch, bool inverse)
        {
            var m = _inner.Length;
            var chirp = inverse ? _inverseChirp : _forwardChirp;
            var kernel = inverse ? _inverseKernel : _forwardKernel;
            var buffer = new Complex[m];
            var work = new Complex[m];
            var scale = 1.0 / m;
            for (var b = 0; b < batch; b++)
            {
                Array.Clear(buffer);
                for (var j = 0; j < _n; j++)
                {
                    buffer[j] = data[offset + b + (stride * j)] * chirp[j];
                }
                _inner.TransformBatch(buffer, 0, 1, 1, work, inverse: false);
                for (var k = 0; k < m; k++)
                {
                    buffer[k] *= kernel[k];
                }
                _inner.TransformBatch(buffer, 0, 1, 1, work, inverse: true);
                for (var k = 0; k < _n; k++)
                {
                    data[offset + b + (stride * k)] = buffer[k] * chirp[k] * scale;
                }
            }
        }

        private Complex[] KernelSpectrum(Complex[] chirp, int m)
        {
            var kernel = new Complex[m];
            kernel[0] = Complex.Conjugate(chirp[0]);
            for (var j = 1; j < _n; j++)
            {
                kernel[j] = Complex.Conjugate(chirp[j]);
                kernel[m - j] = Complex.Conjugate(chirp[j]);
            }
            _inner.TransformBatch(kernel, 0, 1, 1, new Complex[m], inverse: false);
            return kernel;
        }
    }
}
