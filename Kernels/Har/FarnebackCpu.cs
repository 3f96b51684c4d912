using System.Numerics;
using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Har;

/// <summary>The CPU path of <see cref="FarnebackFlow"/>: the arithmetic of <see cref="FarnebackKernels"/> on host
/// memory, each pass vectorised across the pixels of a row (<see cref="Vector{T}"/>), the separable filters through a
/// padded row buffer, over a fixed partition of the rows into one band per thread.</summary>
/// <remarks>Written beside the kernels, which stay the GPU path: their direct dispatch calls one kernel per pixel
/// through <c>ArrayView</c> indexing, scalar and with a bounds check per read, and measured 5.1 times OpenCV's time at
/// 256 x 344. OpenCV's own Farneback is vectorised row passes with row buffers; this is the same structure in C#.
/// The box window of the update sums the 2r + 1 rows of each output row directly (no running sum down the columns),
/// so every output value is computed by one thread in an order that does not depend on the bands: the flow is the
/// same bits for any thread count. Buffers are allocated once per instance; a frame allocates nothing but the
/// parallel loop's closures.</remarks>
internal sealed class FarnebackCpu
{
    private static readonly int s_lanes = Vector<float>.Count;
    private readonly int _bands;
    private readonly ParallelOptions _parallel;
    private readonly float[][] _rowBuffers;

    /// <summary>Row buffers for rows of up to <paramref name="width"/> pixels and windows of up to
    /// <paramref name="maxRadius"/>.</summary>
    public FarnebackCpu(int threads, int width, int maxRadius)
    {
        _bands = threads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var length = Math.Max(3 * (width + 2 * maxRadius), FarnebackKernels.Channels * width) + s_lanes;
        _rowBuffers = Enumerable.Range(0, threads).Select(_ => new float[length]).ToArray();
    }

    /// <summary>Gaussian smoothing along rows (<see cref="FarnebackKernels.BlurRows"/>).</summary>
    public void BlurRows(ComputeBuffer<float> source, ComputeBuffer<float> target, float[] weights, FlowGrid grid) =>
        ForRows(grid.Height, (y0, y1, buffer) =>
        {
            var src = source.AsSpan();
            var dst = target.AsSpan();
            var (w, r) = (grid.Width, grid.Radius);
            var padded = buffer.AsSpan(0, w + 2 * r);
            for (var y = y0; y < y1; y++)
            {
                Pad(src.Slice(y * w, w), padded, r);
                var output = dst.Slice(y * w, w);
                var x = 0;
                for (; x <= w - s_lanes; x += s_lanes)
                {
                    var sum = Vector<float>.Zero;
                    for (var k = 0; k <= 2 * r; k++)
                    {
                        sum += weights[k] * new Vector<float>(padded[(x + k)..]);
                    }
                    sum.CopyTo(output[x..]);
                }
                for (; x < w; x++)
                {
                    var sum = 0f;
                    for (var k = 0; k <= 2 * r; k++)
                    {
                        sum += weights[k] * padded[x + k];
                    }
                    output[x] = sum;
                }
            }
        });

    /// <summary>Gaussian smoothing along columns (<see cref="FarnebackKernels.BlurColumns"/>).</summary>
    public void BlurColumns(ComputeBuffer<float> source, ComputeBuffer<float> target, float[] weights, FlowGrid grid) =>
        ForRows(grid.Height, (y0, y1, _) =>
        {
            var src = source.AsSpan();
            var dst = target.AsSpan();
            var (w, r) = (grid.Width, grid.Radius);
            for (var y = y0; y < y1; y++)
            {
                var output = dst.Slice(y * w, w);
                var x = 0;
                for (; x <= w - s_lanes; x += s_lanes)
                {
                    var sum = Vector<float>.Zero;
                    for (var k = -r; k <= r; k++)
                    {
                        sum += weights[k + r] * new Vector<float>(src[(Clamp(y + k, grid.Height) * w + x)..]);
                    }
                    sum.CopyTo(output[x..]);
                }
                for (; x < w; x++)
                {
                    var sum = 0f;
                    for (var k = -r; k <= r; k++)
                    {
                        sum += weights[k + r] * src[Clamp(y + k, grid.Height) * w + x];
                    }
                    output[x] = sum;
                }
            }
        });

    /// <summary>The polynomial expansion (<see cref="FarnebackKernels.PolyColumns"/> then
    /// <see cref="FarnebackKernels.PolyRows"/>): <paramref name="rows"/> holds the column pass as three planes.</summary>
    public void Expand(ComputeBuffer<float> image, ComputeBuffer<float> rows, ComputeBuffer<float> poly, float[] taps, FlowGrid grid,
        PolyBasis basis)
    {
        var (w, n, pixels) = (grid.Width, grid.Radius, grid.Pixels);
        ForRows(grid.Height, (y0, y1, _) =>
        {
            var src = image.AsSpan();
            var planes = rows.AsSpan();
            for (var y = y0; y < y1; y++)
            {
                var s0Row = planes.Slice(y * w, w);
                var s1Row = planes.Slice(pixels + y * w, w);
                var s2Row = planes.Slice(2 * pixels + y * w, w);
                var center = src.Slice(y * w, w);
                var x = 0;
                for (; x <= w - s_lanes; x += s_lanes)
                {
                    var c = new Vector<float>(center[x..]);
                    var s0 = c * taps[0];
                    var s1 = Vector<float>.Zero;
                    var s2 = Vector<float>.Zero;
                    for (var k = 1; k <= n; k++)
                    {
                        var up = new Vector<float>(src[(Clamp(y - k, grid.Height) * w + x)..]);
                        var down = new Vector<float>(src[(Clamp(y + k, grid.Height) * w + x)..]);
                        var sum = up + down;
                        s0 += taps[3 * k] * sum;
                        s1 += taps[3 * k + 1] * (down - up);
                        s2 += taps[3 * k + 2] * sum;
                    }
                    s0.CopyTo(s0Row[x..]);
                    s1.CopyTo(s1Row[x..]);
                    s2.CopyTo(s2Row[x..]);
                }
                for (; x < w; x++)
                {
                    var s0 = center[x] * taps[0];
                    var s1 = 0f;
                    var s2 = 0f;
                    for (var k = 1; k <= n; k++)
                    {
                        var up = src[Clamp(y - k, grid.Height) * w + x];
                        var down = src[Clamp(y + k, grid.Height) * w + x];
                        var sum = up + down;
                        s0 += taps[3 * k] * sum;
                        s1 += taps[3 * k + 1] * (down - up);
                        s2 += taps[3 * k + 2] * sum;
                    }
                    s0Row[x] = s0;
                    s1Row[x] = s1;
                    s2Row[x] = s2;
                }
            }
        });
        ForRows(grid.Height, (y0, y1, buffer) =>
        {
            var planes = rows.AsSpan();
            var output = poly.AsSpan();
            var stride = w + 2 * n;
            var p0 = buffer.AsSpan(0, stride);
            var p1 = buffer.AsSpan(stride, stride);
            var p2 = buffer.AsSpan(2 * stride, stride);
            Span<float> lanes = stackalloc float[FarnebackKernels.Channels * s_lanes];
            var g0 = taps[0];
            for (var y = y0; y < y1; y++)
            {
                Pad(planes.Slice(y * w, w), p0, n);
                Pad(planes.Slice(pixels + y * w, w), p1, n);
                Pad(planes.Slice(2 * pixels + y * w, w), p2, n);
                var x = 0;
                for (; x <= w - s_lanes; x += s_lanes)
                {
                    // b1: <1, f>, b2: <x, f>, b3: <y, f>, b4: <x^2, f>, b5: <y^2, f>, b6: <xy, f> (as PolyRows).
                    var b1 = new Vector<float>(p0[(x + n)..]) * g0;
                    var b2 = Vector<float>.Zero;
                    var b3 = new Vector<float>(p1[(x + n)..]) * g0;
                    var b4 = Vector<float>.Zero;
                    var b5 = new Vector<float>(p2[(x + n)..]) * g0;
                    var b6 = Vector<float>.Zero;
                    for (var k = 1; k <= n; k++)
                    {
                        var (l, r) = (x + n - k, x + n + k);
                        var (g, xg, xxg) = (taps[3 * k], taps[3 * k + 1], taps[3 * k + 2]);
                        var (r0, l0) = (new Vector<float>(p0[r..]), new Vector<float>(p0[l..]));
                        var (r1, l1) = (new Vector<float>(p1[r..]), new Vector<float>(p1[l..]));
                        var even0 = r0 + l0;
                        b1 += g * even0;
                        b4 += xxg * even0;
                        b2 += xg * (r0 - l0);
                        b3 += g * (r1 + l1);
                        b6 += xg * (r1 - l1);
                        b5 += g * (new Vector<float>(p2[r..]) + new Vector<float>(p2[l..]));
                    }
                    (b3 * basis.Ig11).CopyTo(lanes);
                    (b2 * basis.Ig11).CopyTo(lanes[s_lanes..]);
                    (b1 * basis.Ig03 + b5 * basis.Ig33 + b4 * basis.Ig34).CopyTo(lanes[(2 * s_lanes)..]);
                    (b1 * basis.Ig03 + b4 * basis.Ig33 + b5 * basis.Ig34).CopyTo(lanes[(3 * s_lanes)..]);
                    (b6 * basis.Ig55).CopyTo(lanes[(4 * s_lanes)..]);
                    var o = FarnebackKernels.Channels * (y * w + x);
                    for (var j = 0; j < s_lanes; j++)
                    {
                        for (var c = 0; c < FarnebackKernels.Channels; c++)
                        {
                            output[o + FarnebackKernels.Channels * j + c] = lanes[c * s_lanes + j];
                        }
                    }
                }
                for (; x < w; x++)
                {
                    var b1 = p0[x + n] * g0;
                    var b2 = 0f;
                    var b3 = p1[x + n] * g0;
                    var b4 = 0f;
                    var b5 = p2[x + n] * g0;
                    var b6 = 0f;
                    for (var k = 1; k <= n; k++)
                    {
                        var (l, r) = (x + n - k, x + n + k);
                        var (g, xg, xxg) = (taps[3 * k], taps[3 * k + 1], taps[3 * k + 2]);
                        var even0 = p0[r] + p0[l];
                        b1 += g * even0;
                        b4 += xxg * even0;
                        b2 += xg * (p0[r] - p0[l]);
                        b3 += g * (p1[r] + p1[l]);
                        b6 += xg * (p1[r] - p1[l]);
                        b5 += g * (p2[r] + p2[l]);
                    }
                    var o = FarnebackKernels.Channels * (y * w + x);
                    output[o] = b3 * basis.Ig11;
                    output[o + 1] = b2 * basis.Ig11;
                    output[o + 2] = b1 * basis.Ig03 + b5 * basis.Ig33 + b4 * basis.Ig34;
                    output[o + 3] = b1 * basis.Ig03 + b4 * basis.Ig33 + b5 * basis.Ig34;
                    output[o + 4] = b6 * basis.Ig55;
                }
            }
        });
    }

    /// <summary>The per-pixel normal equations (<see cref="FarnebackKernels.Matrices"/>), the five channels of the
    /// second frame read with one set of bilinear weights.</summary>
    public void Matrices(ComputeBuffer<float> poly0, ComputeBuffer<float> poly1, ComputeBuffer<float> flow, ComputeBuffer<float> matrices,
        FlowGrid grid) =>
        ForRows(grid.Height, (y0, y1, _) =>
        {
            var r0 = poly0.AsSpan();
            var r1 = poly1.AsSpan();
            var f = flow.AsSpan();
            var m = matrices.AsSpan();
            const int channels = FarnebackKernels.Channels;
            var (w, h) = (grid.Width, grid.Height);
            for (var y = y0; y < y1; y++)
            {
                var wy = BorderWeight(y, h);
                for (var x = 0; x < w; x++)
                {
                    var index = y * w + x;
                    var o = channels * index;
                    var dx = f[2 * index];
                    var dy = f[2 * index + 1];
                    var fx = x + dx;
                    var fy = y + dy;
                    float r2, r3, r4, r5, r6;
                    if (fx >= 0 && fy >= 0 && fx <= w - 1 && fy <= h - 1)
                    {
                        var xi = (int)fx;
                        var yi = (int)fy;
                        var ax = fx - xi;
                        var ay = fy - yi;
                        var a = channels * (yi * w + xi);
                        var b = channels * (yi * w + Math.Min(xi + 1, w - 1));
                        var c = channels * (Math.Min(yi + 1, h - 1) * w + xi);
                        var d = channels * (Math.Min(yi + 1, h - 1) * w + Math.Min(xi + 1, w - 1));
                        r2 = Bilinear(r1, a, b, c, d, ax, ay);
                        r3 = Bilinear(r1, a + 1, b + 1, c + 1, d + 1, ax, ay);
                        r4 = 0.5f * (r0[o + 2] + Bilinear(r1, a + 2, b + 2, c + 2, d + 2, ax, ay));
                        r5 = 0.5f * (r0[o + 3] + Bilinear(r1, a + 3, b + 3, c + 3, d + 3, ax, ay));
                        r6 = 0.25f * (r0[o + 4] + Bilinear(r1, a + 4, b + 4, c + 4, d + 4, ax, ay));
                    }
                    else
                    {
                        r2 = 0f;
                        r3 = 0f;
                        r4 = r0[o + 2];
                        r5 = r0[o + 3];
                        r6 = 0.5f * r0[o + 4];
                    }
                    r2 = 0.5f * (r0[o] - r2) + r4 * dy + r6 * dx;
                    r3 = 0.5f * (r0[o + 1] - r3) + r6 * dy + r5 * dx;
                    var weight = BorderWeight(x, w) * wy;
                    r2 *= weight;
                    r3 *= weight;
                    r4 *= weight;
                    r5 *= weight;
                    r6 *= weight;
                    m[o] = r4 * r4 + r6 * r6;
                    m[o + 1] = (r4 + r5) * r6;
                    m[o + 2] = r5 * r5 + r6 * r6;
                    m[o + 3] = r4 * r2 + r6 * r3;
                    m[o + 4] = r6 * r2 + r5 * r3;
                }
            }
        });

    /// <summary>The box-window sums of the normal equations and the flow of every pixel from them
    /// (<see cref="FarnebackKernels.BoxColumns"/> and <see cref="FarnebackKernels.SolveRows"/>): each row's vertical
    /// sums in a row buffer, then a running sum along the row.</summary>
    public void BoxSolve(ComputeBuffer<float> matrices, ComputeBuffer<float> flow, FlowGrid grid) =>
        ForRows(grid.Height, (y0, y1, buffer) =>
        {
            var m = matrices.AsSpan();
            var f = flow.AsSpan();
            const int channels = FarnebackKernels.Channels;
            var (w, h, r) = (grid.Width, grid.Height, grid.Radius);
            var length = channels * w;
            var sums = buffer.AsSpan(0, length);
            var scale = 1f / ((2 * r + 1) * (2 * r + 1));
            for (var y = y0; y < y1; y++)
            {
                var top = m.Slice(Clamp(y - r, h) * length, length);
                top.CopyTo(sums);
                for (var k = -r + 1; k <= r; k++)
                {
                    var source = m.Slice(Clamp(y + k, h) * length, length);
                    var i = 0;
                    for (; i <= length - s_lanes; i += s_lanes)
                    {
                        (new Vector<float>(sums[i..]) + new Vector<float>(source[i..])).CopyTo(sums[i..]);
                    }
                    for (; i < length; i++)
                    {
                        sums[i] += source[i];
                    }
                }
                float g11 = 0f, g12 = 0f, g22 = 0f, h1 = 0f, h2 = 0f;
                for (var k = -r; k <= r; k++)
                {
                    var o = channels * Clamp(k, w);
                    g11 += sums[o];
                    g12 += sums[o + 1];
                    g22 += sums[o + 2];
                    h1 += sums[o + 3];
                    h2 += sums[o + 4];
                }
                var row = y * w;
                for (var x = 0; x < w; x++)
                {
                    if (x > 0)
                    {
                        var add = channels * Clamp(x + r, w);
                        var sub = channels * Clamp(x - r - 1, w);
                        g11 += sums[add] - sums[sub];
                        g12 += sums[add + 1] - sums[sub + 1];
                        g22 += sums[add + 2] - sums[sub + 2];
                        h1 += sums[add + 3] - sums[sub + 3];
                        h2 += sums[add + 4] - sums[sub + 4];
                    }
                    // As SolveRows: window means, and a small ridge that keeps flat regions at zero flow.
                    var m11 = g11 * scale;
                    var m12 = g12 * scale;
                    var m22 = g22 * scale;
                    var n1 = h1 * scale;
                    var n2 = h2 * scale;
                    var inverse = 1f / (m11 * m22 - m12 * m12 + 1e-3f);
                    f[2 * (row + x)] = (m11 * n2 - m12 * n1) * inverse;
                    f[2 * (row + x) + 1] = (m22 * n1 - m12 * n2) * inverse;
                }
            }
        });

    // Rows [y0, y1) of each band, with the band's row buffer; the partition depends on the thread count only.
    private void ForRows(int height, Action<int, int, float[]> body)
    {
        if (_bands == 1 || height < 2 * _bands)
        {
            body(0, height, _rowBuffers[0]);
            return;
        }
        Parallel.For(0, _bands, _parallel, b => body(b * height / _bands, (b + 1) * height / _bands, _rowBuffers[b]));
    }

    // The row with `radius` replicated pixels on each side.
    private static void Pad(ReadOnlySpan<float> row, Span<float> padded, int radius)
    {
        row.CopyTo(padded[radius..]);
        padded[..radius].Fill(row[0]);
        padded.Slice(radius + row.Length, radius).Fill(row[^1]);
    }

    // The formula of FarnebackKernels.Bilinear, term for term, at four precomputed corners.
    private static float Bilinear(ReadOnlySpan<float> image, int a, int b, int c, int d, float ax, float ay) =>
        (1 - ay) * ((1 - ax) * image[a] + ax * image[b]) + ay * ((1 - ax) * image[c] + ax * image[d]);

    private static float BorderWeight(int i, int length)
    {
        var d = i < length - 1 - i ? i : length - 1 - i;
        return d >= 5 ? 1f : d <= 1 ? 0.14f : 0.4472f;
    }

    private static int Clamp(int i, int length) => i < 0 ? 0 : i >= length ? length - 1 : i;
}
