using ILGPU;

namespace Dataflow.Kernels.Har;

/// <summary>The size of one image of a Farneback pyramid level, and the window sizes the kernels use.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Radius">Half-width of the Gaussian, polynomial or box window of the kernel it is passed to.</param>
public readonly record struct FlowGrid(int Width, int Height, int Radius)
{
    /// <summary>Pixels in the image.</summary>
    public int Pixels => Width * Height;
}

/// <summary>Per-pixel terms of the polynomial expansion: the inverse Gram entries of the weighted least-squares fit.</summary>
/// <param name="Ig11">Inverse Gram entry of the linear terms.</param>
/// <param name="Ig03">Inverse Gram entry coupling the constant and a square term.</param>
/// <param name="Ig33">Inverse Gram entry of a square term with itself.</param>
/// <param name="Ig34">Inverse Gram entry coupling x^2 and y^2.</param>
/// <param name="Ig55">Inverse Gram entry of the cross term.</param>
public readonly record struct PolyBasis(float Ig11, float Ig03, float Ig33, float Ig34, float Ig55);

/// <summary>The static kernels of Farneback's dense optical flow (G. Farneback, "Two-Frame Motion Estimation Based on
/// Polynomial Expansion", SCIA 2003): smoothing and resampling of the pyramid, polynomial expansion, the per-pixel
/// normal equations and their box-filtered solution.</summary>
/// <remarks>Every kernel is valid ILGPU code (no managed allocation, no virtual calls); on CPU nodes they are called
/// directly for ranges of indices (<c>ComputeBackend.Launch</c>). Images are row-major single precision; a polynomial
/// image holds 5 floats per pixel (y, x, y^2, x^2, xy coefficients), a matrix image 5 floats per pixel (G11, G12, G22,
/// h1, h2 in (y, x) order), a flow image 2 floats per pixel (dx, dy). Borders are replicated.</remarks>
public static class FarnebackKernels
{
    /// <summary>Floats per pixel of a polynomial expansion and of the normal-equation images.</summary>
    public const int Channels = 5;

    /// <summary>Gaussian smoothing along rows: one index per pixel; <paramref name="weights"/> holds
    /// <c>2 radius + 1</c> normalised taps.</summary>
    public static void BlurRows(Index1D index, ArrayView<float> source, ArrayView<float> target, ArrayView<float> weights, FlowGrid grid)
    {
        var y = index / grid.Width;
        var x = index - y * grid.Width;
        var row = y * grid.Width;
        var sum = 0f;
        for (var k = -grid.Radius; k <= grid.Radius; k++)
        {
            sum += weights[k + grid.Radius] * source[row + Clamp(x + k, grid.Width)];
        }
        target[index] = sum;
    }

    /// <summary>Gaussian smoothing along columns: one index per pixel.</summary>
    public static void BlurColumns(Index1D index, ArrayView<float> source, ArrayView<float> target, ArrayView<float> weights, FlowGrid grid)
    {
        var y = index / grid.Width;
        var x = index - y * grid.Width;
        var sum = 0f;
        for (var k = -grid.Radius; k <= grid.Radius; k++)
        {
            sum += weights[k + grid.Radius] * source[Clamp(y + k, grid.Height) * grid.Width + x];
        }
        target[index] = sum;
    }

    /// <summary>Bilinear resampling of a <paramref name="sourceGrid"/> image onto <paramref name="targetGrid"/>, pixel
    /// centres aligned (OpenCV's INTER_LINEAR), values multiplied by the gain; <paramref name="gain"/> also gives the
    /// interleaved floats per pixel. One index per target float.</summary>
    public static void Resize(Index1D index, ArrayView<float> source, ArrayView<float> target, FlowGrid sourceGrid, FlowGrid targetGrid, Float2Gain gain)
    {
        var c = index % gain.Channels;
        var p = index / gain.Channels;
        var y = p / targetGrid.Width;
        var x = p - y * targetGrid.Width;
        var sx = (x + 0.5f) * sourceGrid.Width / targetGrid.Width - 0.5f;
        var sy = (y + 0.5f) * sourceGrid.Height / targetGrid.Height - 0.5f;
        target[index] = gain.Gain * Bilinear(source, sourceGrid, gain.Channels, c, sx, sy);
    }

    /// <summary>Vertical pass of the polynomial expansion: for each pixel the column correlations with the Gaussian
    /// applicability g, with y g and with y^2 g (3 floats per pixel in <paramref name="rows"/>).</summary>
    /// <param name="taps">g, x g, x^2 g for offsets 0..n, interleaved (3 (n+1) floats).</param>
    public static void PolyColumns(Index1D index, ArrayView<float> image, ArrayView<float> rows, ArrayView<float> taps, FlowGrid grid)
    {
        var y = index / grid.Width;
        var x = index - y * grid.Width;
        var center = image[index];
        var s0 = center * taps[0];
        var s1 = 0f;
        var s2 = 0f;
        for (var k = 1; k <= grid.Radius; k++)
        {
            var up = image[Clamp(y - k, grid.Height) * grid.Width + x];
            var down = image[Clamp(y + k, grid.Height) * grid.Width + x];
            var sum = up + down;
            s0 += taps[3 * k] * sum;
            s1 += taps[3 * k + 1] * (down - up);
            s2 += taps[3 * k + 2] * sum;
        }
        rows[3 * index] = s0;
        rows[3 * index + 1] = s1;
        rows[3 * index + 2] = s2;
    }

    /// <summary>Horizontal pass of the polynomial expansion: the least-squares coefficients of
    /// <c>f(x, y) ~ c + b_y y + b_x x + a_yy y^2 + a_xx x^2 + a_xy x y</c> around each pixel (Farneback 2003, eq. 4.5,
    /// separable form), 5 floats per pixel: b_y, b_x, a_yy, a_xx, a_xy.</summary>
    public static void PolyRows(Index1D index, ArrayView<float> rows, ArrayView<float> poly, ArrayView<float> taps, FlowGrid grid, PolyBasis basis)
    {
        var y = index / grid.Width;
        var x = index - y * grid.Width;
        var row = y * grid.Width;
        var g0 = taps[0];
        // b1: <1, f>, b2: <x, f>, b3: <y, f>, b4: <x^2, f>, b5: <y^2, f>, b6: <xy, f>.
        var b1 = rows[3 * index] * g0;
        var b2 = 0f;
        var b3 = rows[3 * index + 1] * g0;
        var b4 = 0f;
        var b5 = rows[3 * index + 2] * g0;
        var b6 = 0f;
        for (var k = 1; k <= grid.Radius; k++)
        {
            var l = 3 * (row + Clamp(x - k, grid.Width));
            var r = 3 * (row + Clamp(x + k, grid.Width));
            var g = taps[3 * k];
            var xg = taps[3 * k + 1];
            var xxg = taps[3 * k + 2];
            var even0 = rows[r] + rows[l];
            b1 += g * even0;
            b4 += xxg * even0;
            b2 += xg * (rows[r] - rows[l]);
            b3 += g * (rows[r + 1] + rows[l + 1]);
            b6 += xg * (rows[r + 1] - rows[l + 1]);
            b5 += g * (rows[r + 2] + rows[l + 2]);
        }
        var o = Channels * index;
        poly[o] = b3 * basis.Ig11;
        poly[o + 1] = b2 * basis.Ig11;
        poly[o + 2] = b1 * basis.Ig03 + b5 * basis.Ig33 + b4 * basis.Ig34;
        poly[o + 3] = b1 * basis.Ig03 + b4 * basis.Ig33 + b5 * basis.Ig34;
        poly[o + 4] = b6 * basis.Ig55;
    }

    /// <summary>The per-pixel normal equations of the displacement (Farneback 2003, eqs. 7.6-7.8): with A the mean of
    /// the two frames' quadratic terms, the first frame's at the pixel and the second's at the pixel moved by the
    /// current flow, and delta b = -(b2 - b1)/2 + A d, stores A^T A and A^T delta b.</summary>
    public static void Matrices(Index1D index, ArrayView<float> poly0, ArrayView<float> poly1, ArrayView<float> flow, ArrayView<float> matrices, FlowGrid grid)
    {
        var y = index / grid.Width;
        var x = index - y * grid.Width;
        var o = Channels * index;
        var dx = flow[2 * index];
        var dy = flow[2 * index + 1];
        var fx = x + dx;
        var fy = y + dy;
        float r2, r3, r4, r5, r6;
        if (fx >= 0 && fy >= 0 && fx <= grid.Width - 1 && fy <= grid.Height - 1)
        {
            r2 = Bilinear(poly1, grid, Channels, 0, fx, fy);
            r3 = Bilinear(poly1, grid, Channels, 1, fx, fy);
            r4 = 0.5f * (poly0[o + 2] + Bilinear(poly1, grid, Channels, 2, fx, fy));
            r5 = 0.5f * (poly0[o + 3] + Bilinear(poly1, grid, Channels, 3, fx, fy));
            r6 = 0.25f * (poly0[o + 4] + Bilinear(poly1, grid, Channels, 4, fx, fy));
        }
        else
        {
            // Moved out of the image: the second frame says nothing; keep the first frame's shape (as OpenCV does).
            r2 = 0f;
            r3 = 0f;
            r4 = poly0[o + 2];
            r5 = poly0[o + 3];
            r6 = 0.5f * poly0[o + 4];
        }
        r2 = 0.5f * (poly0[o] - r2) + r4 * dy + r6 * dx;
        r3 = 0.5f * (poly0[o + 1] - r3) + r6 * dy + r5 * dx;
        // Pixels near the border get less weight: their expansion saw replicated pixels.
        var w = BorderWeight(x, grid.Width) * BorderWeight(y, grid.Height);
        r2 *= w;
        r3 *= w;
        r4 *= w;
        r5 *= w;
        r6 *= w;
        matrices[o] = r4 * r4 + r6 * r6;
        matrices[o + 1] = (r4 + r5) * r6;
        matrices[o + 2] = r5 * r5 + r6 * r6;
        matrices[o + 3] = r4 * r2 + r6 * r3;
        matrices[o + 4] = r6 * r2 + r5 * r3;
    }

    /// <summary>Box sums of the normal equations down each column (a running sum): one index per column.</summary>
    public static void BoxColumns(Index1D column, ArrayView<float> matrices, ArrayView<float> summed, FlowGrid grid)
    {
        var x = (int)column;
        var r = grid.Radius;
        for (var c = 0; c < Channels; c++)
        {
            var sum = 0f;
            for (var k = -r; k <= r; k++)
            {
                sum += matrices[Channels * (Clamp(k, grid.Height) * grid.Width + x) + c];
            }
            summed[Channels * x + c] = sum;
            for (var y = 1; y < grid.Height; y++)
            {
                sum += matrices[Channels * (Clamp(y + r, grid.Height) * grid.Width + x) + c]
                     - matrices[Channels * (Clamp(y - r - 1, grid.Height) * grid.Width + x) + c];
                summed[Channels * (y * grid.Width + x) + c] = sum;
            }
        }
    }

    /// <summary>Box sums of the column sums along each row, then the flow of every pixel of the row from its summed
    /// equations (Farneback 2003, eq. 7.9 with a box applicability): one index per row.</summary>
    public static void SolveRows(Index1D rowIndex, ArrayView<float> summed, ArrayView<float> flow, FlowGrid grid)
    {
        var y = (int)rowIndex;
        var row = y * grid.Width;
        var r = grid.Radius;
        var scale = 1f / ((2 * r + 1) * (2 * r + 1));
        float g11 = 0f, g12 = 0f, g22 = 0f, h1 = 0f, h2 = 0f;
        for (var k = -r; k <= r; k++)
        {
            var o = Channels * (row + Clamp(k, grid.Width));
            g11 += summed[o];
            g12 += summed[o + 1];
            g22 += summed[o + 2];
            h1 += summed[o + 3];
            h2 += summed[o + 4];
        }
        for (var x = 0; x < grid.Width; x++)
        {
            if (x > 0)
            {
                var add = Channels * (row + Clamp(x + r, grid.Width));
                var sub = Channels * (row + Clamp(x - r - 1, grid.Width));
                g11 += summed[add] - summed[sub];
                g12 += summed[add + 1] - summed[sub + 1];
                g22 += summed[add + 2] - summed[sub + 2];
                h1 += summed[add + 3] - summed[sub + 3];
                h2 += summed[add + 4] - summed[sub + 4];
            }
            // Window means; a small ridge keeps flat regions (no texture) at zero flow instead of dividing by zero.
            var m11 = g11 * scale;
            var m12 = g12 * scale;
            var m22 = g22 * scale;
            var n1 = h1 * scale;
            var n2 = h2 * scale;
            var inverse = 1f / (m11 * m22 - m12 * m12 + 1e-3f);
            flow[2 * (row + x)] = (m11 * n2 - m12 * n1) * inverse;
            flow[2 * (row + x) + 1] = (m22 * n1 - m12 * n2) * inverse;
        }
    }

    private static float BorderWeight(int i, int length)
    {
        var d = i < length - 1 - i ? i : length - 1 - i;
        return d >= 5 ? 1f : d <= 1 ? 0.14f : 0.4472f;
    }

    private static int Clamp(int i, int length) => i < 0 ? 0 : i >= length ? length - 1 : i;

    private static int Floor(float v)
    {
        var i = (int)v;
        return v < i ? i - 1 : i;
    }

    private static float Bilinear(ArrayView<float> image, FlowGrid grid, int channels, int channel, float x, float y)
    {
        var x0 = Floor(x);
        var y0 = Floor(y);
        var ax = x - x0;
        var ay = y - y0;
        var xa = Clamp(x0, grid.Width);
        var xb = Clamp(x0 + 1, grid.Width);
        var ya = Clamp(y0, grid.Height) * grid.Width;
        var yb = Clamp(y0 + 1, grid.Height) * grid.Width;
        var top = (1 - ax) * image[channels * (ya + xa) + channel] + ax * image[channels * (ya + xb) + channel];
        var bottom = (1 - ax) * image[channels * (yb + xa) + channel] + ax * image[channels * (yb + xb) + channel];
        return (1 - ay) * top + ay * bottom;
    }
}

/// <summary>Channels per pixel and a gain for <see cref="FarnebackKernels.Resize"/>.</summary>
/// <param name="Channels">Interleaved floats per pixel.</param>
/// <param name="Gain">Factor applied to every value (2 when a flow is carried to a level twice as fine).</param>
public readonly record struct Float2Gain(int Channels, float Gain);
