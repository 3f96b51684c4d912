namespace Dataflow.Kernels.Train;

/// <summary>AdamW over a flat parameter vector, in plain C#: decoupled weight decay exactly as
/// <c>torch.optim.AdamW</c> (Loshchilov &amp; Hutter, arXiv 1711.05101, algorithm 2; PyTorch AdamW docs).</summary>
/// <remarks>
/// Per element, at step t with learning rate lr_t from <see cref="TrainSettings.LearningRateAt"/>:
/// <c>p -= lr_t wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= (lr_t / (1-b1^t)) m / (sqrt(v) / sqrt(1-b2^t) + eps)</c>.
/// Single precision throughout, one operation at a time in the order of the libtorch tensor ops of
/// <c>torch.optim.AdamW</c> (step scalars in double, rounded once to float as libtorch does), so it agrees
/// with PyTorch to a few units in the last place. The one fused multiply-add is IEEE-754 fused (correctly
/// rounded in hardware or software), so results are bitwise the same on every x64 or Arm CPU. One
/// sequential loop in index order: deterministic and independent of thread count.
/// </remarks>
public sealed class AdamWOptimizer
{
    private readonly TrainSettings _settings;
    private readonly float[] _m;
    private readonly float[] _v;

    /// <summary>Fresh state (m = v = 0, no step taken) for <paramref name="parameterCount"/> parameters.</summary>
    public AdamWOptimizer(TrainSettings settings, int parameterCount)
        : this(settings, new float[parameterCount], new float[parameterCount], 0)
    {
    }

    /// <summary>Resumes from saved moments and step count (the arrays are used in place, not copied).</summary>
    public AdamWOptimizer(TrainSettings settings, float[] m, float[] v, long step)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        settings.Validate();
        if (m.Length != v.Length)
        {
            throw new ArgumentException($"first moment has {m.Length} values, second moment {v.Length}", nameof(v));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        _settings = settings;
        _m = m;
        _v = v;
        StepCount = step;
    }

    /// <summary>First-moment estimate m.</summary>
    public float[] M => _m;

    /// <summary>Second-moment estimate v.</summary>
    public float[] V => _v;

    /// <summary>Steps taken so far (t of the last step).</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one AdamW step to <paramref name="parameters"/> in place.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
        {
            throw new ArgumentException(
                $"optimizer holds {_m.Length} values; got {parameters.Length} parameters and {gradient.Length} gradients");
        }
        var t = StepCount + 1;
        var lr = _settings.LearningRateAt(t);
        // Step scalars in double, rounded once to float as libtorch does for a Scalar applied to a float tensor.
        var decay = (float)(1.0 - lr * _settings.WeightDecay);
        var beta1 = (float)_settings.Beta1;
        var oneMinusBeta1 = (float)(1.0 - _settings.Beta1);
        var beta2 = (float)_settings.Beta2;
        var oneMinusBeta2 = (float)(1.0 - _settings.Beta2);
        var sqrtBiasCorrection2 = (float)Math.Sqrt(1.0 - Math.Pow(_settings.Beta2, t));
        var eps = (float)_settings.Epsilon;
        var negativeStepSize = (float)(-lr / (1.0 - Math.Pow(_settings.Beta1, t)));
        for (var j = 0; j < parameters.Length; j++)
        {
            var g = gradient[j];
            // param.mul_(1 - lr wd)
            var p = parameters[j] * decay;
            // exp_avg.mul_(b1).add_(g, alpha: 1 - b1); ATen's vectorised add with alpha is fmadd(g, alpha, self)
            var m = MathF.FusedMultiplyAdd(g, oneMinusBeta1, _m[j] * beta1);
            // exp_avg_sq.mul_(b2).addcmul_(g, g, value: 1 - b2)
            var v = _v[j] * beta2 + oneMinusBeta2 * g * g;
            // (exp_avg_sq.sqrt() / sqrt(1 - b2^t)).add_(eps)
            var denom = MathF.Sqrt(v) / sqrtBiasCorrection2 + eps;
            _m[j] = m;
            _v[j] = v;
            // param.addcdiv_(exp_avg, denom, value: -lr / (1 - b1^t))
            parameters[j] = p + negativeStepSize * m / denom;
        }
        StepCount = t;
    }
}
