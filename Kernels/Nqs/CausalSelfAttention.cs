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
    private readonly double _scale;

    public CausalSelfAttention(int dModel, int heads, ScalarType dtype) : base("attn")
    {
        _heads = heads;
        _headDim = dModel / heads;
        _scale = 1.0 / Math.Sqrt(_headDim);
        c_attn = nn.Linear(dModel, 3 * dModel, dtype: dtype);
        c_proj = nn.Linear(dModel, dModel, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Attention over all positions of <paramref name="x"/> [B, T, d], each attending to itself and earlier ones.</summary>
    public override Tensor forward(Tensor x)
    {
        var batch = x.shape[0];
        var length = x.shape[1];
        var (q, k, v) = Heads(x);
        using var _q = q;
        using var _k = k;
        using var _v = v;
        using var kt = k.transpose(2, 3);
        using var raw = q.matmul(kt);
        using var scores = raw.mul(_scale);
        using var future = torch.ones(length, length, ScalarType.Bool).triu(1);
        using var masked = scores.masked_fill(future, double.NegativeInfinity);
        using var weights = masked.softmax(-1);
        using var y = weights.matmul(v);
        using var merged = y.transpose(1, 2).reshape(batch, length, -1);
        return c_proj.forward(merged);
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

    /// <summary>Queries, keys and values of <paramref name="x"/> [B, T, d], each [B, H, T, d/H].</summary>
    private (Tensor Q, Tensor K, Tensor V) Heads(Tensor x)
    {
        var batch = x.shape[0];
        var length = x.shape[1];
        var dModel = _heads * _headDim;
        using var qkv = c_attn.forward(x);
        var parts = qkv.split(dModel, 2);
        try
        {
            return (Split(parts[0]), Split(parts[1]), Split(parts[2]));
        }
        finally
        {
            foreach (var p in parts)
            {
                p.Dispose();
            }
        }

        Tensor Split(Tensor t)
        {
            using var view = t.reshape(batch, length, _heads, _headDim);
            return view.transpose(1, 2);
        }
    }
}
