using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Sft;

/// <summary>Multi-head self-attention with rotary positions over a chunk and the keys/values of earlier chunks.</summary>
internal sealed class SftAttention : nn.Module<Tensor, Tensor>
{
    // State-dict keys attn.c_attn.*, attn.c_proj.* as in GPT-2.
    private readonly Linear c_attn;
    private readonly Linear c_proj;
    private readonly int _heads;
    private readonly int _headDim;

    public SftAttention(int dModel, int heads, ScalarType dtype) : base("attn")
    {
        _heads = heads;
        _headDim = dModel / heads;
        c_attn = nn.Linear(dModel, 3 * dModel, dtype: dtype);
        c_proj = nn.Linear(dModel, dModel, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward with the chunk's context");

    /// <summary>Attention of <paramref name="x"/> [B, T, d] over the past keys/values and its own; returns the output
    /// [B, T, d] and this chunk's rotated keys and values [B, H, T, D] (what later chunks attend to).</summary>
    /// <param name="mask">[B, 1, T, P + T], true where a query may attend to a key.</param>
    public (Tensor Output, Tensor Keys, Tensor Values) Forward(
        Tensor x, Tensor cos, Tensor sin, Tensor mask, Tensor? pastKeys, Tensor? pastValues)
    {
        var (q, k, v) = Project(x, cos, sin);
        using var rotatedQueries = q;
        using var keys = pastKeys is null ? k.alias() : torch.cat([pastKeys, k], 2);
        using var values = pastValues is null ? v.alias() : torch.cat([pastValues, v], 2);
        return (Attend(rotatedQueries, keys, values, mask), k, v);
    }

    /// <summary>The rotated queries and keys and the values [B, H, T, D] of <paramref name="x"/> [B, T, d].</summary>
    public (Tensor Queries, Tensor Keys, Tensor Values) Project(Tensor x, Tensor cos, Tensor sin)
    {
        var batch = x.shape[0];
        var length = x.shape[1];
        using var qkv = c_attn.forward(x);
        using var heads = qkv.view(batch, length, 3, _heads, _headDim).permute(2, 0, 3, 1, 4);
        using var q0 = heads[0];
        using var k0 = heads[1];
        var q = RotaryEmbedding.Apply(q0, cos, sin);
        var k = RotaryEmbedding.Apply(k0, cos, sin);
        var v = heads[2].contiguous();
        return (q, k, v);
    }

    /// <summary>The output [B, T, d] of queries [B, H, T, D] over all the keys and values they may see.</summary>
    /// <param name="mask">[B, 1, T, P + T], true where a query may attend to a key.</param>
    public Tensor Attend(Tensor q, Tensor keys, Tensor values, Tensor mask)
    {
        var batch = q.shape[0];
        var length = q.shape[2];
        // libtorch picks its fused CPU kernel where it can (it does not hold the T x (P+T) weights for backward).
        using var y = nn.functional.scaled_dot_product_attention(q, keys, values, mask);
        using var merged = y.transpose(1, 2).reshape(batch, length, _heads * _headDim);
        return c_proj.forward(merged);
    }
}

/// <summary>Position-wise feed-forward block: linear, GELU, linear (GPT-2's mlp).</summary>
internal sealed class SftFeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;

    public SftFeedForward(int dModel, int hidden, ScalarType dtype) : base("mlp")
    {
        c_fc = nn.Linear(dModel, hidden, dtype: dtype);
        c_proj = nn.Linear(hidden, dModel, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var a = c_fc.forward(x);
        using var g = nn.functional.gelu(a);
        return c_proj.forward(g);
    }
}

/// <summary>Pre-LayerNorm decoder block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
internal sealed class SftBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly SftAttention attn;
    private readonly LayerNorm ln_2;
    private readonly SftFeedForward mlp;

    public SftBlock(int dModel, int heads, int feedForward, ScalarType dtype) : base("block")
    {
        ln_1 = nn.LayerNorm(dModel, dtype: dtype);
        attn = new SftAttention(dModel, heads, dtype);
        ln_2 = nn.LayerNorm(dModel, dtype: dtype);
        mlp = new SftFeedForward(dModel, feedForward, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward with the chunk's context");

    public (Tensor Output, Tensor Keys, Tensor Values) Forward(
        Tensor x, Tensor cos, Tensor sin, Tensor mask, Tensor? pastKeys, Tensor? pastValues)
    {
        using var n1 = ln_1.forward(x);
        var (a, k, v) = attn.Forward(n1, cos, sin, mask, pastKeys, pastValues);
        using var attended = a;
        using var x1 = x.add(attended, HeldScalars.One);
        using var n2 = ln_2.forward(x1);
        using var m = mlp.forward(n2);
        return (x1.add(m, HeldScalars.One), k, v);
    }

    /// <summary>The first half of <see cref="Forward"/> for context parallelism: the rotated queries, keys and values of
    /// <paramref name="x"/> (the keys and values are what the other ranks attend to).</summary>
    public (Tensor Queries, Tensor Keys, Tensor Values) Project(Tensor x, Tensor cos, Tensor sin)
    {
        using var n1 = ln_1.forward(x);
        return attn.Project(n1, cos, sin);
    }

    /// <summary>The second half: attention of the queries over all the keys and values they may see, then the MLP.</summary>
    public Tensor Finish(Tensor x, Tensor q, Tensor keys, Tensor values, Tensor mask)
    {
        using var attended = attn.Attend(q, keys, values, mask);
        using var x1 = x.add(attended, HeldScalars.One);
        using var n2 = ln_2.forward(x1);
        using var m = mlp.forward(n2);
        return x1.add(m, HeldScalars.One);
    }
}
