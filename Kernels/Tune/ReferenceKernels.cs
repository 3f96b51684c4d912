namespace Dataflow.Kernels.Tune;

/// <summary>Plain loops that define what every tunable kernel computes: the tests' references and the untuned
/// baselines' meaning.</summary>
public static class ReferenceKernels
{
    /// <summary>C = A B, each element summed over k = 0..K-1 from zero; <paramref name="fused"/>: each step one
    /// fused multiply-add (one rounding), else a multiply and an add.</summary>
    public static float[] Dense(float[] a, float[] b, int m, int n, int k, bool fused = false)
    {
        var c = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0f;
                for (var kk = 0; kk < k; kk++)
                {
                    sum = fused ? MathF.FusedMultiplyAdd(a[i * k + kk], b[kk * n + j], sum) : sum + a[i * k + kk] * b[kk * n + j];
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }

    /// <summary>Direct convolution over the zero-padded input, taps summed in (c, r, s) order from zero, each with a
    /// fused multiply-add when <paramref name="fused"/>.</summary>
    public static float[] Conv2d(ConvShape s, float[] input, float[] weights, bool fused = false)
    {
        var (oh, ow) = (s.OutHeight, s.OutWidth);
        var output = new float[s.Batch * s.Filters * oh * ow];
        for (var img = 0; img < s.Batch; img++)
        {
            for (var f = 0; f < s.Filters; f++)
            {
                for (var y = 0; y < oh; y++)
                {
                    for (var x = 0; x < ow; x++)
                    {
                        var sum = 0f;
                        for (var c = 0; c < s.Channels; c++)
                        {
                            for (var r = 0; r < s.KernelHeight; r++)
                            {
                                for (var q = 0; q < s.KernelWidth; q++)
                                {
                                    var iy = y * s.Stride + r - s.Pad;
                                    var ix = x * s.Stride + q - s.Pad;
                                    var v = iy >= 0 && iy < s.Height && ix >= 0 && ix < s.Width
                                        ? input[((img * s.Channels + c) * s.Height + iy) * s.Width + ix]
                                        : 0f;
                                    var w = weights[((f * s.Channels + c) * s.KernelHeight + r) * s.KernelWidth + q];
                                    sum = fused ? MathF.FusedMultiplyAdd(w, v, sum) : sum + w * v;
                                }
                            }
                        }
                        output[((img * s.Filters + f) * oh + y) * ow + x] = sum;
                    }
                }
            }
        }
        return output;
    }

    /// <summary>Direct depthwise convolution over the zero-padded input, taps summed in (r, s) order from zero.</summary>
    public static float[] DepthwiseConv2d(ConvShape s, float[] input, float[] weights)
    {
        var (oh, ow) = (s.OutHeight, s.OutWidth);
        var output = new float[s.Batch * s.Channels * oh * ow];
        for (var plane = 0; plane < s.Batch * s.Channels; plane++)
        {
            var c = plane % s.Channels;
            for (var y = 0; y < oh; y++)
            {
                for (var x = 0; x < ow; x++)
                {
                    var sum = 0f;
                    for (var r = 0; r < s.KernelHeight; r++)
                    {
                        for (var q = 0; q < s.KernelWidth; q++)
                        {
                            var iy = y * s.Stride + r - s.Pad;
                            var ix = x * s.Stride + q - s.Pad;
                            var v = iy >= 0 && iy < s.Height && ix >= 0 && ix < s.Width
                                ? input[(plane * s.Height + iy) * s.Width + ix]
                                : 0f;
                            sum += weights[(c * s.KernelHeight + r) * s.KernelWidth + q] * v;
                        }
                    }
                    output[(plane * oh + y) * ow + x] = sum;
                }
            }
        }
        return output;
    }

    /// <summary>Row-wise softmax in double, rounded to single precision at the end.</summary>
    public static float[] Softmax(int rows, int cols, float[] input)
    {
        var output = new float[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (var j = 0; j < cols; j++)
            {
                max = Math.Max(max, input[r * cols + j]);
            }
            double sum = 0;
            for (var j = 0; j < cols; j++)
            {
                sum += Math.Exp(input[r * cols + j] - max);
            }
            for (var j = 0; j < cols; j++)
            {
                output[r * cols + j] = (float)(Math.Exp(input[r * cols + j] - max) / sum);
            }
        }
        return output;
    }

    /// <summary>Row sums in double, left to right.</summary>
    public static double[] RowSums(int rows, int cols, float[] input)
    {
        var sums = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double sum = 0;
            for (var j = 0; j < cols; j++)
            {
                sum += input[r * cols + j];
            }
            sums[r] = sum;
        }
        return sums;
    }
}
