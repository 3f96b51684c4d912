using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Sft;

/// <summary>Rotary position embedding (Su et al. 2021, RoFormer eq. 34), in the rotate-half layout of GPT-NeoX:
/// pair (x_i, x_{i+D/2}) of a head is rotated by angle p * 10000^(-2i/D) at position p.</summary>
/// <remarks>The angle depends on the absolute position in its sequence only, so a chunk of a long sequence
/// rotates its queries and keys exactly as the whole sequence would.</remarks>
internal static class RotaryEmbedding
{
    private const double Base = 10000.0;

    /// <summary>Cosines and sines [B, 1, T, D] for positions [B, T] of heads of width <paramref name="headDim"/>.</summary>
    public static (Tensor Cos, Tensor Sin) Angles(Tensor positions, int headDim, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        var half = headDim / 2;
        var inverse = new double[half];
        for (var i = 0; i < half; i++)
        {
            inverse[i] = Math.Pow(Base, -2.0 * i / headDim);
        }
        using var frequencies = torch.tensor(inverse, dtype: ScalarType.Float64);
        using var p = positions.to_type(ScalarType.Float64).unsqueeze(-1);
        using var angles = p.mul(frequencies);
        using var both = torch.cat([angles, angles], -1).unsqueeze(1);
        var cos = both.cos().to_type(dtype);
        var sin = both.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>x [B, H, T, D] rotated: x cos + rotate_half(x) sin.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        using var x1 = x.narrow(-1, 0, half);
        using var x2 = x.narrow(-1, half, half);
        using var negative = x2.neg();
        using var rotated = torch.cat([negative, x1], -1);
        using var a = x.mul(cos);
        using var b = rotated.mul(sin);
        return a.add(b);
    }
}
