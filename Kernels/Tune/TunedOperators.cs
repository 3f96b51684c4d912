using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Tune;

/// <summary>The tunable kernels as operators: each runs the best recorded schedule for its shape
/// (<see cref="TunedSchedules"/>), or its untuned default when none is recorded.</summary>
public static class TunedOperators
{
    // The CUDA device of this process, when it has one: the dense product runs there (TunedDenseGpu).
    private static readonly Lazy<ComputeBackend?> s_cuda = new(() => ComputeBackend.IsCudaAvailable ? ComputeBackend.Create(ComputeBackendKind.Cuda) : null);

    /// <summary>C = A B, row-major, m x k times k x n.</summary>
    /// <remarks>On a process that sees a CUDA device the product runs as <see cref="TunedDenseGpu"/> (the record's
    /// rows per thread; 1e-5 relative, the GPU may fuse multiply-adds), else on the CPU kernels (bitwise for a given
    /// fused or unfused schedule).</remarks>
    public static float[] Dense(float[] a, float[] b, int m, int n, int k)
    {
        var s = TunedSchedules.For(new TuneTask("dense", TuneOperator.Dense, [m, n, k], ["dense"]), Environment.ProcessorCount);
        if (s_cuda.Value is { } gpu)
        {
            using var ab = gpu.FromArray(a);
            using var bb = gpu.FromArray(b);
            using var cb = gpu.Allocate1D<float>(m * n);
            TunedDenseGpu.Run(gpu, s, ab, bb, cb, new DenseGpuShape(m, n, k));
            return gpu.CopyToArray(cb);
        }
        var c = new float[m * n];
        TunedDense.Run(s, a, 0, b, 0, c, 0, m, n, k);
        return c;
    }

    /// <summary>2-D convolution, NCHW input, KCRS weights.</summary>
    public static float[] Conv2d(ConvShape shape, float[] input, float[] weights)
    {
        var task = new TuneTask("conv2d", TuneOperator.Conv2d,
            [shape.Batch, shape.Channels, shape.Height, shape.Width, shape.Filters, shape.KernelHeight, shape.KernelWidth, shape.Stride, shape.Pad],
            ["conv2d"]);
        var output = new float[shape.Batch * shape.Filters * shape.OutHeight * shape.OutWidth];
        TunedConv2d.Run(TunedSchedules.For(task, Environment.ProcessorCount), shape, input, weights, output, new float[TunedConv2d.ScratchLength(shape)]);
        return output;
    }

    /// <summary>Depthwise 2-D convolution, NCHW input, CRS weights.</summary>
    public static float[] DepthwiseConv2d(ConvShape shape, float[] input, float[] weights)
    {
        var task = new TuneTask("dw", TuneOperator.DepthwiseConv2d,
            [shape.Batch, shape.Channels, shape.Height, shape.Width, shape.KernelHeight, shape.KernelWidth, shape.Stride, shape.Pad],
            ["depthwise_conv2d"]);
        var output = new float[shape.Batch * shape.Channels * shape.OutHeight * shape.OutWidth];
        TunedDepthwiseConv2d.Run(TunedSchedules.For(task, Environment.ProcessorCount), shape, input, weights, output,
            new float[TunedDepthwiseConv2d.ScratchLength(shape)]);
        return output;
    }

    /// <summary>Row-wise softmax.</summary>
    public static float[] Softmax(float[] input, int rows, int cols)
    {
        var output = new float[rows * cols];
        TunedSoftmax.Run(TunedSchedules.For(new TuneTask("softmax", TuneOperator.Softmax, [rows, cols], ["softmax"]), Environment.ProcessorCount),
            rows, cols, input, output);
        return output;
    }

    /// <summary>Row sums in double.</summary>
    public static double[] RowSums(float[] input, int rows, int cols)
    {
        var sums = new double[rows];
        TunedReduction.Run(TunedSchedules.For(new TuneTask("reduction", TuneOperator.Reduction, [rows, cols], ["reduction"]), Environment.ProcessorCount),
            rows, cols, input, sums);
        return sums;
    }
}
