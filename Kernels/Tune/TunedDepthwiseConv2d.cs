using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Tune;

/// <summary>The tunable depthwise 2-D convolution: one R x S filter per channel, NCHW.</summary>
/// <remarks>
/// The input is first copied into a zero-padded buffer. Every output element sums its taps in the order
/// (r, s) onto a zero, as <see cref="ReferenceKernels.DepthwiseConv2d"/> does, so every schedule gives the reference's
/// bits. Knobs: <c>Vector</c> (1: lanes over output columns, stride 1 only; 0: scalar), <c>LoopOrder</c>
/// (0: taps outside columns, accumulating a row; 1: columns outside taps, one dot product per pixel),
/// <c>TileRows</c> (output rows per parallel task; 0 a whole plane), <c>Threads</c>.
/// </remarks>
public static class TunedDepthwiseConv2d
{
    /// <summary>Floats of scratch <see cref="Run"/> needs: the padded input.</summary>
    public static int ScratchLength(ConvShape shape) =>
        shape.Batch * shape.Channels * shape.PaddedHeight * shape.PaddedWidth;

    /// <summary>output[N, C, OH, OW] = depthwise conv(input[N, C, H, W], weights[C, R, S]).</summary>
    public static void Run(TuneSchedule s, ConvShape shape, float[] input, float[] weights, float[] output, float[] scratch)
    {
        shape.Validate();
        var planes = shape.Batch * shape.Channels;
        var (ph, pw) = (shape.PaddedHeight, shape.PaddedWidth);
        var (oh, ow) = (shape.OutHeight, shape.OutWidth);
        if (scratch.Length < ScratchLength(shape))
        {
            throw new ArgumentException($"scratch holds {scratch.Length} floats; {ScratchLength(shape)} needed", nameof(scratch));
        }
        var tile = s.TileRows <= 0 ? oh : Math.Min(s.TileRows, oh);
        var blocks = (oh + tile - 1) / tile;
        TuneParallel.For(planes, s.Threads, p => Pad(shape, input, p, scratch));
        TuneParallel.For(planes * blocks, s.Threads, u =>
        {
            var p = u / blocks;
            var y0 = u % blocks * tile;
            Rows(s, shape, scratch, p * ph * pw, weights, p % shape.Channels, output, p * oh * ow, y0, Math.Min(oh, y0 + tile));
        });
    }

    private static void Pad(ConvShape shape, float[] input, int plane, float[] scratch)
    {
        var (h, w, pad) = (shape.Height, shape.Width, shape.Pad);
        var pw = shape.PaddedWidth;
        var dst = scratch.AsSpan(plane * shape.PaddedHeight * pw, shape.PaddedHeight * pw);
        dst.Clear();
        for (var y = 0; y < h; y++)
        {
            input.AsSpan(plane * h * w + y * w, w).CopyTo(dst.Slice((y + pad) * pw + pad, w));
        }
    }

    private static void Rows(
        TuneSchedule s, ConvShape shape, float[] padded, int inOffset, float[] weights, int channel, float[] output, int outOffset, int y0, int y1)
    {
        var (r, q, stride) = (shape.KernelHeight, shape.KernelWidth, shape.Stride);
        var pw = shape.PaddedWidth;
        var ow = shape.OutWidth;
        ref var inp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(padded), inOffset);
        ref var wt = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), channel * r * q);
        ref var outp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(output), outOffset);
        var lanes = Vector<float>.Count;
        var vector = s.Vector > 0 && stride == 1;
        for (var y = y0; y < y1; y++)
        {
            ref var orow = ref Unsafe.Add(ref outp, y * ow);
            if (s.LoopOrder == 0)
            {
                var xv = vector ? ow / lanes * lanes : 0;
                for (var x = 0; x < ow; x++)
                {
                    Unsafe.Add(ref orow, x) = 0f;
                }
                for (var dy = 0; dy < r; dy++)
                {
                    ref var irow = ref Unsafe.Add(ref inp, (y * stride + dy) * pw);
                    for (var dx = 0; dx < q; dx++)
                    {
                        var wv = Unsafe.Add(ref wt, dy * q + dx);
                        var wvec = new Vector<float>(wv);
                        for (var x = 0; x < xv; x += lanes)
                        {
                            var acc = Vector.LoadUnsafe(ref orow, (nuint)x);
                            acc += wvec * Vector.LoadUnsafe(ref irow, (nuint)(x + dx));
                            acc.StoreUnsafe(ref orow, (nuint)x);
                        }
                        for (var x = xv; x < ow; x++)
                        {
                            Unsafe.Add(ref orow, x) += wv * Unsafe.Add(ref irow, x * stride + dx);
                        }
                    }
                }
            }
            else
            {
                var x = 0;
                if (vector)
                {
                    for (; x + lanes <= ow; x += lanes)
                    {
                        var acc = Vector<float>.Zero;
                        for (var dy = 0; dy < r; dy++)
                        {
                            ref var irow = ref Unsafe.Add(ref inp, (y + dy) * pw);
                            for (var dx = 0; dx < q; dx++)
                            {
                                acc += new Vector<float>(Unsafe.Add(ref wt, dy * q + dx)) * Vector.LoadUnsafe(ref irow, (nuint)(x + dx));
                            }
                        }
                        acc.StoreUnsafe(ref orow, (nuint)x);
                    }
                }
                for (; x < ow; x++)
                {
                    var sum = 0f;
                    for (var dy = 0; dy < r; dy++)
                    {
                        ref var irow = ref Unsafe.Add(ref inp, (y * stride + dy) * pw);
                        for (var dx = 0; dx < q; dx++)
                        {
                            sum += Unsafe.Add(ref wt, dy * q + dx) * Unsafe.Add(ref irow, x * stride + dx);
                        }
                    }
                    Unsafe.Add(ref orow, x) = sum;
                }
            }
        }
    }
}
