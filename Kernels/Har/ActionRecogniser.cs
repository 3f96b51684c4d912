using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Har;

/// <summary>The recogniser: a small convolutional network over a window of motion feature maps, the motion stream of a
/// two-stream recogniser (Simonyan &amp; Zisserman 2014: stacked flow as input channels).</summary>
/// <remarks>Input [B, 8, 2, 12, 16] (8 consecutive maps, dx and dy planes), stacked as 16 channels: conv 3x3 16->32,
/// ReLU, max-pool 2, conv 3x3 32->64, ReLU, global mean, linear 64 -> classes (logits).</remarks>
public sealed class ActionRecogniser : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc;

    /// <summary>Builds the network for <paramref name="classes"/> actions (seed libtorch first).</summary>
    public ActionRecogniser(int classes) : base(nameof(ActionRecogniser))
    {
        Classes = classes;
        conv1 = nn.Conv2d(2 * HarGeometry.WindowPairs, 32, kernel_size: 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, kernel_size: 3, padding: 1);
        fc = nn.Linear(64, classes);
        RegisterComponents();
    }

    /// <summary>Actions it tells apart.</summary>
    public int Classes { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor window)
    {
        using var scope = NewDisposeScope();
        var x = window.reshape(window.shape[0], 2 * HarGeometry.WindowPairs, HarGeometry.FeatureHeight, HarGeometry.FeatureWidth);
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.relu(conv2.forward(x)).mean([2, 3]);
        return fc.forward(x).MoveToOuterDisposeScope();
    }
}
