namespace Dataflow.Kernels.Tune;

/// <summary>The tunable 2-D convolution: im2col, then <see cref="TunedDense"/> with the schedule.</summary>
/// <remarks>
/// Per image, out[K, OH*OW] = W[K, C*R*S] col[C*R*S, OH*OW], where row (c R + r) S + s of col holds the padded input
/// under filter tap (c, r, s). The product sums taps in that order onto a zero, as
/// <see cref="ReferenceKernels.Conv2d"/> does, so every schedule gives the reference's bits. The schedule's knobs are
/// the matrix product's.
/// </remarks>
public static class TunedConv2d
{
    /// <summary>Floats of scratch <see cref="Run"/> needs: one image's im2col matrix.</summary>
    public static int ScratchLength(ConvShape shape) =>
        shape.Channels * shape.KernelHeight * shape.KernelWidth * shape.OutHeight * shape.OutWidth;

    /// <summary>output[N, K, OH, OW] = conv(input[N, C, H, W], weights[K, C, R, S]).</summary>
    public static void Run(TuneSchedule s, ConvShape shape, float[] input, float[] weights, float[] output, float[] scratch)
    {
        shape.Validate();
        var crs = shape.Channels * shape.KernelHeight * shape.KernelWidth;
        var pixels = shape.OutHeight * shape.OutWidth;
        if (scratch.Length < ScratchLength(shape))
        {
            throw new ArgumentException($"scratch holds {scratch.Length} floats; {ScratchLength(shape)} needed", nameof(scratch));
        }
        var imageIn = shape.Channels * shape.Height * shape.Width;
        for (var img = 0; img < shape.Batch; img++)
        {
            Im2Col(shape, input, img * imageIn, scratch);
            TunedDense.Run(s, weights, 0, scratch, 0, output, img * shape.Filters * pixels, shape.Filters, pixels, crs);
        }
    }

    private static void Im2Col(ConvShape shape, float[] input, int offset, float[] col)
    {
        var (oh, ow) = (shape.OutHeight, shape.OutWidth);
        var (h, w) = (shape.Height, shape.Width);
        var row = 0;
        for (var c = 0; c < shape.Channels; c++)
        {
            for (var r = 0; r < shape.KernelHeight; r++)
            {
                for (var q = 0; q < shape.KernelWidth; q++, row++)
                {
                    var dst = col.AsSpan(row * oh * ow, oh * ow);
                    for (var y = 0; y < oh; y++)
                    {
                        var iy = y * shape.Stride + r - shape.Pad;
                        for (var x = 0; x < ow; x++)
                        {
                            var ix = x * shape.Stride + q - shape.Pad;
                            dst[y * ow + x] = iy >= 0 && iy < h && ix >= 0 && ix < w ? input[offset + (c * h + iy) * w + ix] : 0f;
                        }
                    }
                }
            }
        }
    }
}
