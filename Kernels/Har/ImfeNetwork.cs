using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Har;

/// <summary>IMFE, the integrated motion feature extractor of RT-HARE (arXiv 2409.05662): a RAFT-like feature encoder
/// shared by both frames, one all-pairs correlation per frame pair, read in a local window of displacements, and a small
/// motion encoder that maps it to the optical-flow feature map it is distilled from.</summary>
/// <remarks>
/// Input: working frames [B, 1, 48, 64] in [0, 1]. The encoder (3 convolutions, one of stride 2) gives features
/// [B, 32, 24, 32], a cell of 2 x 2 working pixels; the correlation of every cell of frame 1 with every cell of frame 2
/// is one batched matrix product (RAFT's all-pairs volume, Teed &amp; Deng 2020, eq. 1: dot products of the features
/// scaled by 1/sqrt(C)), of which each cell keeps the (2r+1)^2 = 49 displacements within r = 3 cells (6 working
/// pixels), zero outside the frame (RAFT's lookup at a single level, done once instead of iteratively). The motion
/// encoder (3 convolutions, one of stride 2 down to the 12 x 16 feature grid) turns those 49 channels, with both frames'
/// encoded features as context (as RAFT's update block takes a context encoding), into the 2-channel map. Single
/// precision throughout.
/// The cell is 2 pixels, not RAFT's 8, because the synthetic actors move about one working pixel per frame. A first
/// version had 4-pixel cells and the cosine of unit-normalised features, scaled by 1/sqrt(C) again (so the correlation
/// entered the motion encoder within +-0.18): the motion was a quarter of a cell, and in 150 distillation steps (60
/// clips, batch 16) it settled on predicting zero at Adam 2e-3 (output spread 0.04 -> 0.008 within 20 steps, held-out
/// correlation with the teacher -0.002) and only began to learn at 1e-3 (correlation 0.33, MSE 0.96 of the
/// predict-zero level). With 2-pixel cells and RAFT's scaling the same 150 steps at 1e-3 reach a held-out correlation
/// of 0.71 and an MSE of 0.54 of the predict-zero level.
/// In a stream each frame is encoded once (<see cref="Encode"/>) and used in two pairs (<see cref="Motion"/>).
/// </remarks>
public sealed class ImfeNetwork : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Channels of the encoded frame.</summary>
    public const int EncoderChannels = 32;

    /// <summary>Displacement radius of the correlation lookup, in encoder cells.</summary>
    public const int Radius = 3;

    /// <summary>Rows of the encoded frame (a cell of 2 x 2 working pixels).</summary>
    public const int EncodedHeight = HarGeometry.WorkHeight / 2;

    /// <summary>Columns of the encoded frame.</summary>
    public const int EncodedWidth = HarGeometry.WorkWidth / 2;

    private const int Window = (2 * Radius + 1) * (2 * Radius + 1);
    private const int Cells = EncodedHeight * EncodedWidth;

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
        enc1 = nn.Conv2d(1, 16, kernel_size: 3, padding: 1);
        enc2 = nn.Conv2d(16, EncoderChannels, kernel_size: 3, stride: 2, padding: 1);
        enc3 = nn.Conv2d(EncoderChannels, EncoderChannels, kernel_size: 3, padding: 1);
        motion1 = nn.Conv2d(Window + 2 * EncoderChannels, 64, kernel_size: 3, padding: 1);
        motion2 = nn.Conv2d(64, 32, kernel_size: 3, stride: 2, padding: 1);
        head = nn.Conv2d(32, 2, kernel_size: 3, padding: 1);
        _lookup = LookupIndices();
        RegisterComponents();
    }

    /// <summary>Encoded features [B, 32, 24, 32] of working frames [B, 1, 48, 64].</summary>
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
        // All-pairs correlation: [B, cells of frame 1, cells of frame 2], scaled by 1/sqrt(C) as RAFT does.
        var f1 = first.flatten(2).transpose(1, 2);
        var f2 = second.flatten(2);
        using var norm = (1 / Math.Sqrt(EncoderChannels)).ToScalar();
        var volume = bmm(f1, f2).mul(norm);
        // A zero column for displacements that leave the frame, then each cell's window of displacements.
        var padded = cat([volume, zeros(batch, Cells, 1, dtype: volume.dtype)], 2);
        var local = padded.gather(2, _lookup.expand(batch, Cells, Window));
        var x = local.transpose(1, 2).reshape(batch, Window, EncodedHeight, EncodedWidth);
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
        const int h = EncodedHeight, w = EncodedWidth, cells = Cells;
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
