using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Train;

/// <summary>Small CNN for 1x16x16 images: conv 1->8 3x3, ReLU, max-pool 2, conv 8->16 3x3, ReLU,
/// max-pool 2, dropout, linear 16*4*4 -> classes.</summary>
/// <remarks>Both convolutions pad by one pixel, so the pools take 16 -> 8 -> 4.</remarks>
public sealed class TrainCnn : TrainNetwork
{
    /// <summary>Channels of the first convolution.</summary>
    public const int Channels1 = 8;

    /// <summary>Channels of the second convolution.</summary>
    public const int Channels2 = 16;

    /// <summary>Inputs of the final linear layer.</summary>
    public const int Flattened = Channels2 * (SyntheticDataset.ImageSide / 4) * (SyntheticDataset.ImageSide / 4);

    // Field names are the PyTorch state-dict keys (conv1.weight, conv1.bias, ...).
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc;
    private readonly double _dropout;

    /// <summary>Builds the network with dropout probability <paramref name="dropout"/>; weights are
    /// overwritten by <see cref="ParameterVector.Load"/> before use.</summary>
    public TrainCnn(double dropout) : base(nameof(TrainCnn))
    {
        _dropout = dropout;
        conv1 = nn.Conv2d(1, Channels1, kernel_size: 3, padding: 1);
        conv2 = nn.Conv2d(Channels1, Channels2, kernel_size: 3, padding: 1);
        fc = nn.Linear(Flattened, SyntheticDataset.CnnClasses);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override TrainModelKind Kind => TrainModelKind.Cnn;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Generator generator)
    {
        using var c1 = conv1.forward(input);
        using var r1 = nn.functional.relu(c1);
        using var p1 = nn.functional.max_pool2d(r1, 2);
        using var c2 = conv2.forward(p1);
        using var r2 = nn.functional.relu(c2);
        using var p2 = nn.functional.max_pool2d(r2, 2);
        using var flat = p2.flatten(1);
        using var dropped = WorkerDropout.Apply(flat, _dropout, generator, training);
        return fc.forward(dropped);
    }
}
