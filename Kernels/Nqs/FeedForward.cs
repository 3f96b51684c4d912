using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Position-wise feed-forward block: linear, GELU (erf form), linear.</summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    // State-dict keys mlp.c_fc.*, mlp.c_proj.* as in GPT-2.
    private readonly Linear c_fc;
    private readonly Linear c_proj;

    public FeedForward(int dModel, int hidden, ScalarType dtype) : base("mlp")
    {
        c_fc = nn.Linear(dModel, hidden, dtype: dtype);
        c_proj = nn.Linear(hidden, dModel, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary><see cref="forward"/>, its linear layers recorded on <paramref name="tape"/> when given.</summary>
    public Tensor Forward(Tensor x, LogDerivativeTape? tape)
    {
        if (x.dim() == 2)
        {
            return Apply(x, tape);
        }
        // Linear layers on [B T, d]: libtorch's batched 3-D path was 2.5x slower on these thin matrices.
        using var flat = x.reshape(-1, x.shape[^1]);
        using var y = Apply(flat, tape);
        return y.view(x.shape);
    }

    private Tensor Apply(Tensor x, LogDerivativeTape? tape)
    {
        using var a = LogDerivativeTape.Apply(tape, c_fc, x);
        using var g = nn.functional.gelu(a);
        return LogDerivativeTape.Apply(tape, c_proj, g);
    }
}
