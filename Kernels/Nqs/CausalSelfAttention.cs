using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Multi-head causal self-attention (Vaswani et al. 2017, eq. 1) with a key/value-cached single-position step.</summary>
internal sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    // Field names are the PyTorch (GPT-2) state-dict keys: attn.c_attn.weight, attn.c_proj.weight, ...
    private readonly Linear c_attn;
    private readonly Linear c_proj;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly Scalar _scale;

    public CausalSelfAttention(int dModel, int heads, ScalarType dtype) : base("attn")
    {
        _heads = heads;
        _headDim = dModel / heads;
        _scale = (1.0 / Math.Sqrt(_headDim)).ToScalar();
        c_attn = nn.Linear(dModel, 3 * dModel, dtype: dtype);
        c_proj = nn.Linear(dModel, dModel, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Attention over all positions of <paramref name="x"/> [B, T, d], each attending to itself and earlier ones.</summary>
    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary><see cref="forward"/>, its linear layers recorded on <paramref name="tape"/> when given.</summary>
    public Tensor Forward(Tensor x, LogDerivativeTape? tape)
    {
        var batch = x.shape[0];
        var length = x.shape[1];
        var dModel = _heads * _headDim;
        // Linear layers on [B T, d]: libtorch's batched 3-D path was 2.5x slower on these thin matrices.
        using var flat = x.reshape(batch * length, dModel);
        using var qkv = LogDerivativeTape.Apply(tape, c_attn, flat);
        using var heads = qkv.view(batch, length, 3, _heads, _headDim).permute(2, 0, 3, 1, 4);
        using var q = heads[0];
        using var k = heads[1];
        using var v = heads[2];
        // Scores transposed, [B, h, key, query], so the softmax runs over a contiguous key axis with the query
        // innermost: over a last axis of length T (10 to 30 orbitals) libtorch's softmax was 2x slower.
        using var qt = q.transpose(2, 3);
        using var raw = k.matmul(qt);
        using var scores = raw.mul(_scale);
        using var mask = FutureMask(length, x.dtype);
        scores.add_(mask, HeldScalars.One);
        using var weights = scores.softmax(2);
        using var wt = weights.transpose(2, 3);
        using var y = wt.matmul(v);
        using var merged = y.transpose(1, 2).reshape(batch * length, dModel);
        using var projected = LogDerivativeTape.Apply(tape, c_proj, merged);
        return projected.view(batch, length, dModel);
    }

    /// <summary>Additive mask [key, query]: 0 where key &lt;= query, -inf where the key lies in the query's future.</summary>
    private static Tensor FutureMask(long length, ScalarType dtype)
    {
        using var future = torch.ones(length, length, ScalarType.Bool).tril(-1);
        using var zero = torch.zeros(length, length, dtype);
        return zero.masked_fill(future, HeldScalars.NegativeInfinity);
    }

    /// <summary>One new position: <paramref name="x"/> [B, d] at <paramref name="position"/>; its key and value are
    /// written into the position-major caches [T_max, B, H, d/H] and the query attends to positions 0..position.</summary>
    /// <remarks>Position-major caches make the slice 0..position contiguous, so the score and weighted-sum
    /// reductions below read memory in order; one query per row makes them broadcast multiply-and-sums
    /// rather than B * H tiny matrix products.</remarks>
    public Tensor Step(Tensor x, Tensor keyCache, Tensor valueCache, int position)
    {
        var batch = x.shape[0];
        var dModel = _heads * _headDim;
        using var qkv = c_attn.forward(x);
        var parts = qkv.split(dModel, 1);
        using var q = parts[0].view(batch, _heads, _headDim);
        using var k = parts[1].view(batch, _heads, _headDim);
        using var v = parts[2].view(batch, _heads, _headDim);
        foreach (var p in parts)
        {
            p.Dispose();
        }
        using (var keySlot = keyCache.select(0, position))
        {
            keySlot.copy_(k);
        }
        using (var valueSlot = valueCache.select(0, position))
        {
            valueSlot.copy_(v);
        }
        using var keys = keyCache.narrow(0, 0, position + 1);
        using var values = valueCache.narrow(0, 0, position + 1);
        using var products = keys.mul(q);
        using var raw = products.sum(-1);
        using var scores = raw.mul(_scale);
        using var weights = scores.softmax(0L);
        using var weights4 = weights.unsqueeze(-1);
        using var weighted = values.mul(weights4);
        using var y = weighted.sum(dim: 0L);
        using var merged = y.reshape(batch, dModel);
        return c_proj.forward(merged);
    }
}
