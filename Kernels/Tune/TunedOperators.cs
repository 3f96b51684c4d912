namespace Dataflow.Kernels.Tune;

/// <summary>The tunable kernels as operators: each runs the best recorded schedule for its shape
/// (<see cref="TunedSchedules"/>), or its untuned default when none is recorded.</summary>
public static class TunedOperators
{
    /// <summary>C = A B, row-major, m x k times k x n.</summary>
    public static float[] Dense(float[] a, float[] b, int m, int n, int k)
    {
        var c = new float[m * n];
        var s = TunedSchedules.For(new TuneTask("dense", TuneOperator.Dense, [m, n, k], ["dense"]), Environment.ProcessorCount);
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
