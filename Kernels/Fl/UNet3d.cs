using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Fl;

/// <summary>Re-normalises encoder features during local training (VFDA); see <see cref="VfdaAugmenter"/>.</summary>
public interface IFeatureAugmenter
{
    /// <summary>The features of encoder stage <paramref name="stage"/> (N, C, D, H, W), augmented.</summary>
    Tensor Apply(int stage, Tensor features);
}

/// <summary>Two 3x3x3 convolutions, each followed by instance normalisation (with affine parameters) and ReLU.</summary>
public sealed class ConvBlock3d : nn.Module<Tensor, Tensor>
{
    // Field names are the PyTorch state-dict keys (conv1.weight, norm1.weight, ...).
    private readonly Conv3d conv1;
    private readonly InstanceNorm3d norm1;
    private readonly Conv3d conv2;
    private readonly InstanceNorm3d norm2;

    /// <summary>Creates the block.</summary>
    public ConvBlock3d(long inChannels, long outChannels) : base(nameof(ConvBlock3d))
    {
        conv1 = nn.Conv3d(inChannels, outChannels, 3, padding: 1);
        norm1 = nn.InstanceNorm3d(outChannels, affine: true);
        conv2 = nn.Conv3d(outChannels, outChannels, 3, padding: 1);
        norm2 = nn.InstanceNorm3d(outChannels, affine: true);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var c1 = conv1.forward(input);
        using var n1 = norm1.forward(c1);
        using var r1 = nn.functional.relu(n1);
        using var c2 = conv2.forward(r1);
        using var n2 = norm2.forward(c2);
        return nn.functional.relu(n2);
    }
}

/// <summary>A small 3-D U-Net (Cicek et al., arXiv 1606.06650) for one-channel volumes and a binary segmentation:
/// three encoder stages of C, 2C and 4C channels with max-pooling between them, two decoder stages with transposed
/// convolutions and skip connections, and a 1x1x1 head giving one logit per voxel.</summary>
/// <remarks>Instance normalisation keeps the per-volume arithmetic independent of the batch, so the gradient of a batch
/// is the mean of its volumes' gradients (FedAvg of one SGD step is SGD on the union); its affine parameters are the
/// normalisation parameters FedBN keeps local (names containing <c>.norm</c>).</remarks>
public sealed class UNet3d : nn.Module<Tensor, Tensor>
{
    /// <summary>Encoder stages (the places VFDA re-normalises).</summary>
    public const int EncoderStages = 3;

    private readonly ConvBlock3d enc1;
    private readonly ConvBlock3d enc2;
    private readonly ConvBlock3d enc3;
    private readonly ConvTranspose3d up2;
    private readonly ConvBlock3d dec2;
    private readonly ConvTranspose3d up1;
    private readonly ConvBlock3d dec1;
    private readonly Conv3d head;

    /// <summary>Creates the network with <paramref name="baseChannels"/> channels in its first stage.</summary>
    public UNet3d(int baseChannels) : base(nameof(UNet3d))
    {
        long c = baseChannels;
        enc1 = new ConvBlock3d(1, c);
        enc2 = new ConvBlock3d(c, 2 * c);
        enc3 = new ConvBlock3d(2 * c, 4 * c);
        up2 = nn.ConvTranspose3d(4 * c, 2 * c, 2, stride: 2);
        dec2 = new ConvBlock3d(4 * c, 2 * c);
        up1 = nn.ConvTranspose3d(2 * c, c, 2, stride: 2);
        dec1 = new ConvBlock3d(2 * c, c);
        head = nn.Conv3d(c, 1, 1);
        RegisterComponents();
    }

    /// <summary>Channels of encoder stage <paramref name="stage"/>.</summary>
    public static int StageChannels(int baseChannels, int stage) => baseChannels << stage;

    /// <summary>Augments encoder features in training mode when set (VFDA); null in evaluation.</summary>
    public IFeatureAugmenter? Augmenter { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var e1 = Stage(0, enc1.forward(input));
        using var p1 = nn.functional.max_pool3d(e1, [2, 2, 2]);
        using var e2 = Stage(1, enc2.forward(p1));
        using var p2 = nn.functional.max_pool3d(e2, [2, 2, 2]);
        using var e3 = Stage(2, enc3.forward(p2));
        using var u2 = up2.forward(e3);
        using var c2 = torch.cat([u2, e2], 1);
        using var d2 = dec2.forward(c2);
        using var u1 = up1.forward(d2);
        using var c1 = torch.cat([u1, e1], 1);
        using var d1 = dec1.forward(c1);
        return head.forward(d1);
    }

    private Tensor Stage(int stage, Tensor features)
    {
        if (!training || Augmenter is null)
        {
            return features;
        }
        using (features)
        {
            return Augmenter.Apply(stage, features);
        }
    }
}
