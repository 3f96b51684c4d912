namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>AdamW over a flat double parameter vector, step for step as PyTorch's <c>torch.optim.AdamW</c>
/// (Loshchilov and Hutter, arXiv 1711.05101, Algorithm 2) with a learning rate given per step.</summary>
/// <remarks>Double precision throughout (the float <c>Train.AdamWOptimizer</c> would round the NQS parameters).</remarks>
/// <param name="length">Number of parameters.</param>
/// <param name="beta1">First-moment decay; default 0.9.</param>
/// <param name="beta2">Second-moment decay; default 0.999.</param>
/// <param name="epsilon">Denominator guard; default 1e-8.</param>
public sealed class VmcAdamW(int length, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
{
    private readonly double[] _m = new double[length];
    private readonly double[] _v = new double[length];

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The moment estimates and step count, for checkpoints.</summary>
    public (double[] M, double[] V, int Steps) State => ((double[])_m.Clone(), (double[])_v.Clone(), Steps);

    /// <summary>Restores a state from <see cref="State"/>.</summary>
    public void Restore(double[] m, double[] v, int steps)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        if (m.Length != _m.Length || v.Length != _v.Length)
        {
            throw new ArgumentException($"a state for {m.Length} parameters, expected {_m.Length}", nameof(m));
        }
        m.CopyTo(_m, 0);
        v.CopyTo(_v, 0);
        Steps = steps;
    }

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradient"/>.</summary>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient, double learningRate, double weightDecay)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
        {
            throw new ArgumentException($"expected {_m.Length} parameters and gradients");
        }
        Steps++;
        var correction1 = 1.0 - Math.Pow(beta1, Steps);
        var correction2 = 1.0 - Math.Pow(beta2, Steps);
        var stepSize = learningRate / correction1;
        var sqrtCorrection2 = Math.Sqrt(correction2);
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = gradient[i];
            parameters[i] *= 1.0 - learningRate * weightDecay;
            _m[i] = beta1 * _m[i] + (1.0 - beta1) * g;
            _v[i] = beta2 * _v[i] + (1.0 - beta2) * g * g;
            var denominator = Math.Sqrt(_v[i]) / sqrtCorrection2 + epsilon;
            parameters[i] -= stepSize * _m[i] / denominator;
        }
    }
}
