using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Har;

/// <summary>IMFE, the integrated motion feature extractor of RT-HARE (arXiv 2409.05662): a RAFT-like feature encoder
/// shared by both frames, one all-pairs correlation per frame pair, read in a local window of displacements, and a small
/// motion encoder that maps it to the optical-flow feature map it is distilled from.</summary>
/// <remarks>
/// Input: working frames [B, 1, 48, 64] in [0, 1]. The encoder (3 convolutions, two of stride 2) gives features
/// [B, 32, 12, 16]; the correlation of every cell of frame 1 with every cell of frame 2 is one batched matrix product
/// (RAFT's all-pairs volume, Teed &amp; Deng 2020, eq. 1, of unit-normalised features), of which each cell keeps the (2r+1)^2 = 49 displacements within
/// r = 3 cells, zero outside the frame (RAFT's lookup at a single level, done once instead of iteratively). The motion
/// encoder (3 convolutions) turns those 49 channels, with both frames' encoded features as context (as RAFT's update
/// block takes a context encoding), into the 2-channel map. The context matters here: the synthetic actors move about a
/// quarter of a feature cell per frame, below what the correlation's cell grid resolves, while the two encodings side
/// by side carry the sub-cell change. Single precision throughout.
/// In a stream each frame is encoded once (<see cref="Encode"/>) and used in two pairs (<see cref="Motion"/>).
/// </remarks>
public sealed class ImfeNetwork : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Channels of the encoded frame.</summary>
    public const int EncoderChannels = 32;

    /// <summary>Displacement radius of the correlation lookup, in feature cells.</summary>
    public const int Radius = 3;

    private const int Window = (2 * Radius + 1) * (2 * Radius + 1);

    // Field names are the PyTorch state-dict keys.
    private readonly Conv2d enc1;
    private readonly Conv2d enc2;
    private readonly Conv2d enc3;
    private readonly Conv2d motion1;
    private readonly Conv2d motion2;
    private readonly Conv2d head;
    private readonly Tensor _lookup;

    /// <summary>Builds the network with weights from libtorch's default initialisation (seed it first).</summary>
    public ImfeNetwork() : base(nameof(ImfeNetwork))
    {
        enc1 = nn.Conv2d(1, 16, kernel_size: 3, stride: 2, padding: 1);
        enc2 = nn.Conv2d(16, EncoderChannels, kernel_size: 3, stride: 2, padding: 1);
        enc3 = nn.Conv2d(EncoderChannels, EncoderChannels, kernel_size: 3, padding: 1);
        motion1 = nn.Conv2d(Window + 2 * EncoderChannels, 64, kernel_size: 3, padding: 1);
        motion2 = nn.Conv2d(64, 32, kernel_size: 3, padding: 1);
        head = nn.Conv2d(32, 2, kernel_size: 3, padding: 1);
        _lookup = LookupIndices();
        RegisterComponents();
    }

    /// <summary>Encoded features [B, 32, 12, 16] of working frames [B, 1, 48, 64].</summary>
    public Tensor Encode(Tensor frames)
    {
        using var scope = NewDisposeScope();
        // Scalars held for the call (HeldScalars explains why): centre and scale the intensities.
        using var four = 4.0.ToScalar();
        var x = frames.sub(HeldScalars.Half).mul(four);
        x = nn.functional.relu(enc1.forward(x));
        x = nn.functional.relu(enc2.forward(x));
        return enc3.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>The motion feature maps [B, 2, 12, 16] between encoded frames <paramref name="first"/> and
    /// <paramref name="second"/>.</summary>
    public Tensor Motion(Tensor first, Tensor second)
    {
        using var scope = NewDisposeScope();
        var batch = first.shape[0];
        const int cells = HarGeometry.FeatureHeight * HarGeometry.FeatureWidth;
        // All-pairs correlation: [B, cells of frame 1, cells of frame 2], scaled by 1/sqrt(C) as RAFT does.
        // Unit feature vectors: the correlation is a cosine, bounded, which keeps the distillation stable.
        var f1 = nn.functional.normalize(first.flatten(2), dim: 1).transpose(1, 2);
        var f2 = nn.functional.normalize(second.flatten(2), dim: 1);
        using var norm = (1 / Math.Sqrt(EncoderChannels)).ToScalar();
        var volume = bmm(f1, f2).mul(norm);
        // A zero column for displacements that leave the frame, then each cell's window of displacements.
        var padded = cat([volume, zeros(batch, cells, 1, dtype: volume.dtype)], 2);
        var local = padded.gather(2, _lookup.expand(batch, cells, Window));
        var x = local.transpose(1, 2).reshape(batch, Window, HarGeometry.FeatureHeight, HarGeometry.FeatureWidth);
        x = nn.functional.relu(motion1.forward(cat([x, first, second], 1)));
        x = nn.functional.relu(motion2.forward(x));
        return head.forward(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor first, Tensor second)
    {
        using var scope = NewDisposeScope();
        return Motion(Encode(first), Encode(second)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lookup.Dispose();
        }
        base.Dispose(disposing);
    }

    // For each cell p and displacement d in the window: the flat index of cell p + d of frame 2, or the padding
    // column (index cells) when it falls outside.
    private static Tensor LookupIndices()
    {
        const int h = HarGeometry.FeatureHeight, w = HarGeometry.FeatureWidth, cells = h * w;
        var indices = new long[cells * Window];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var k = 0;
                for (var dy = -Radius; dy <= Radius; dy++)
                {
                    for (var dx = -Radius; dx <= Radius; dx++)
                    {
                        var (qy, qx) = (y + dy, x + dx);
                        indices[(y * w + x) * Window + k++] = qy >= 0 && qy < h && qx >= 0 && qx < w ? qy * w + qx : cells;
                    }
                }
            }
        }
        return tensor(indices, [1, cells, Window]);
    }
}
