using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Pre-LayerNorm decoder block (GPT-2): x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
internal sealed class DecoderBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly CausalSelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly FeedForward mlp;

    public DecoderBlock(int dModel, int heads, int feedForward, ScalarType dtype) : base("block")
    {
        ln_1 = nn.LayerNorm(dModel, dtype: dtype);
        attn = new CausalSelfAttention(dModel, heads, dtype);
        ln_2 = nn.LayerNorm(dModel, dtype: dtype);
        mlp = new FeedForward(dModel, feedForward, dtype);
        RegisterComponents();
    }

    /// <summary>The block over all positions of <paramref name="x"/> [B, T, d] with a causal mask.</summary>
    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary><see cref="forward"/>, its parameterised layers recorded on <paramref name="tape"/> when given.</summary>
    public Tensor Forward(Tensor x, LogDerivativeTape? tape)
    {
        using var n1 = LogDerivativeTape.Apply(tape, ln_1, x);
        using var a = attn.Forward(n1, tape);
        using var x1 = x.add(a, HeldScalars.One);
        return Feed(x1, tape);
    }

    /// <summary>The block for one new position <paramref name="x"/> [B, d], reading and extending the layer's caches.</summary>
    public Tensor Step(Tensor x, Tensor keyCache, Tensor valueCache, int position)
    {
        using var n1 = ln_1.forward(x);
        using var a = attn.Step(n1, keyCache, valueCache, position);
        using var x1 = x.add(a, HeldScalars.One);
        return Feed(x1, null);
    }

    private Tensor Feed(Tensor x1, LogDerivativeTape? tape)
    {
        using var n2 = LogDerivativeTape.Apply(tape, ln_2, x1);
        using var f = mlp.Forward(n2, tape);
        return x1.add(f, HeldScalars.One);
    }
}
