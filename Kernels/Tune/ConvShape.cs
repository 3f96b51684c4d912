namespace Dataflow.Kernels.Tune;

/// <summary>The shape of a (depthwise) 2-D convolution, NCHW input, square stride and zero padding.</summary>
/// <param name="Batch">Images, N.</param>
/// <param name="Channels">Input channels, C.</param>
/// <param name="Height">Input height, H.</param>
/// <param name="Width">Input width, W.</param>
/// <param name="Filters">Output channels, K (equal to C for a depthwise convolution).</param>
/// <param name="KernelHeight">Filter height, R.</param>
/// <param name="KernelWidth">Filter width, S.</param>
/// <param name="Stride">Stride along both axes.</param>
/// <param name="Pad">Zero padding on every side.</param>
public readonly record struct ConvShape(
    int Batch, int Channels, int Height, int Width, int Filters, int KernelHeight, int KernelWidth, int Stride, int Pad)
{
    /// <summary>Output height, (H + 2 pad - R) / stride + 1.</summary>
    public int OutHeight => (Height + 2 * Pad - KernelHeight) / Stride + 1;

    /// <summary>Output width, (W + 2 pad - S) / stride + 1.</summary>
    public int OutWidth => (Width + 2 * Pad - KernelWidth) / Stride + 1;

    /// <summary>Padded input height.</summary>
    public int PaddedHeight => Height + 2 * Pad;

    /// <summary>Padded input width.</summary>
    public int PaddedWidth => Width + 2 * Pad;

    /// <summary>Throws when a size is not positive or the filter does not fit the padded input.</summary>
    public void Validate()
    {
        if (Batch < 1 || Channels < 1 || Height < 1 || Width < 1 || Filters < 1 || KernelHeight < 1 || KernelWidth < 1 || Stride < 1 || Pad < 0)
        {
            throw new ArgumentException($"convolution shape {this} has a size below 1 (or a negative pad)");
        }
        if (PaddedHeight < KernelHeight || PaddedWidth < KernelWidth)
        {
            throw new ArgumentException($"convolution shape {this}: the filter is larger than the padded input");
        }
    }
}
