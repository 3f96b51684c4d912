using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Har;

/// <summary>Adam (Kingma &amp; Ba 2015, as <c>torch.optim.Adam</c> without weight decay) with global gradient-norm
/// clipping, over a module's parameters, the update in plain C# on float arrays.</summary>
/// <remarks>Written here rather than taken from TorchSharp 0.107's <c>optim.Adam</c>, whose step passes its betas and
/// step size as implicit <see cref="TorchSharp.Scalar"/>s that a garbage collection can free during the native call
/// (<c>Kernels/Compute/HeldScalars.cs</c>): under the allocation rate of IMFE's distillation that turned the weights to
/// NaN within a few dozen steps. The C# update has no scalars to lose, and one sequential loop in parameter order
/// keeps it deterministic whatever the thread count.</remarks>
public sealed class HarAdam
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;
    private readonly double _learningRate;
    private readonly double _maxNorm;
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    /// <summary>An optimiser of <paramref name="parameters"/> at <paramref name="learningRate"/>; gradients whose global
    /// L2 norm exceeds <paramref name="maxNorm"/> are scaled down to it (infinity: no clipping).</summary>
    public HarAdam(IEnumerable<Parameter> parameters, double learningRate, double maxNorm = double.PositiveInfinity)
    {
        _parameters = parameters.ToArray();
        _m = _parameters.Select(p => new float[p.numel()]).ToArray();
        _v = _parameters.Select(p => new float[p.numel()]).ToArray();
        _learningRate = learningRate;
        _maxNorm = maxNorm;
    }

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The global L2 norm of the gradients of the last step, before clipping.</summary>
    public double LastGradientNorm { get; private set; }

    /// <summary>Clears the parameters' gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>Updates the parameters from their gradients.</summary>
    /// <exception cref="InvalidOperationException">A gradient is not finite (the step is not taken).</exception>
    public void Step()
    {
        var grads = new float[_parameters.Length][];
        double squares = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            grads[i] = new float[_m[i].Length];
            using var grad = _parameters[i].grad;
            if (grad is not null)
            {
                using var g = grad.contiguous();
                g.data<float>().CopyTo(grads[i]);
            }
            foreach (var x in grads[i])
            {
                squares += (double)x * x;
            }
        }
        LastGradientNorm = Math.Sqrt(squares);
        if (!double.IsFinite(LastGradientNorm))
        {
            throw new InvalidOperationException($"gradient norm {LastGradientNorm} at step {Steps + 1}");
        }
        var scale = LastGradientNorm > _maxNorm ? (float)(_maxNorm / (LastGradientNorm + 1e-6)) : 1f;
        Steps++;
        var stepSize = _learningRate / (1 - Math.Pow(Beta1, Steps));
        var root2 = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var values = new float[_m[i].Length];
            using (var current = p.detach().contiguous())
            {
                current.data<float>().CopyTo(values);
            }
            var (m, v, g) = (_m[i], _v[i], grads[i]);
            for (var k = 0; k < values.Length; k++)
            {
                var gk = scale * g[k];
                m[k] = (float)(Beta1 * m[k] + (1 - Beta1) * gk);
                v[k] = (float)(Beta2 * v[k] + (1 - Beta2) * gk * gk);
                values[k] = (float)(values[k] - stepSize * m[k] / (Math.Sqrt(v[k]) / root2 + Epsilon));
            }
            p.copy_(tensor(values, p.shape));
        }
    }
}
