using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Stochastic reconfiguration (Sorella 1998): the update S^-1 F, with S the covariance of the log-derivatives
/// O_k(x) = d ln psi(x) / d theta_k over the sample and F = Re &lt;(E_loc - E)^* O&gt; half the energy gradient;
/// theta -= eta S^-1 F follows imaginary-time evolution projected onto the model.</summary>
/// <remarks>
/// <para>Solved in sample space (minSR, Chen and Heyl, Nat. Phys. 20, 1476 (2024); Rende et al., Commun. Phys. 7, 260
/// (2024)): with rows Obar_x = sqrt(w_x) (O_x - &lt;O&gt;) and eps_x = sqrt(w_x) (E_loc(x) - E), S = Obar^T Obar and
/// F = Obar^T eps, so (S + lambda I)^-1 F = Obar^T (Obar Obar^T + lambda I)^-1 eps, an M x M system for M samples
/// instead of one over every parameter.</para>
/// <para>|psi| and phi have separate parameters (see <see cref="TransformerWavefunction.IsPhaseParameter"/>), so with
/// real parameters S is block diagonal: the amplitude block pairs d log|psi| with Re eps, the phase block d phi with
/// Im eps, and each is solved on its own.</para>
/// <para>Samples are weighted by count_x / N. When there are more unique samples than <c>maxSamples</c>, the most
/// frequent ones are kept (their weights renormalised): S and F are then estimated from the configurations that carry
/// the probability, and the tail, whose rows scale with sqrt(w_x), is left out.</para>
/// </remarks>
public static class StochasticReconfiguration
{
    /// <summary>Takes iteration <paramref name="t"/>'s step on <paramref name="parameters"/> (laid out as
    /// <see cref="FlatParameters.Get"/>) and returns its learning rate: the direction for the annealed local energies (see <see cref="VmcGradient.WithEntropy"/>) with the largest learning rate
    /// up to <see cref="VmcOptions.ReconfigurationLearningRate"/> that changes no sampled configuration's ln psi by more than
    /// <see cref="VmcOptions.MaxLogChange"/> and moves the wavefunction by at most <see cref="VmcOptions.MaxStep"/>.</summary>
    public static double Step(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult local, VmcOptions options, int t, Span<double> parameters)
    {
        ArgumentNullException.ThrowIfNull(options);
        var annealed = VmcGradient.WithEntropy(samples, local, options.TemperatureAt(t));
        var (direction, norm2, maxChange) = Direction(model, samples, annealed, options.DiagonalShift, options.ReconfigurationSamples);
        var rate = options.ReconfigurationLearningRate;
        if (rate * maxChange > options.MaxLogChange)
        {
            rate = options.MaxLogChange / maxChange;
        }
        var distance = rate * Math.Sqrt(norm2);
        if (distance > options.MaxStep)
        {
            rate *= options.MaxStep / distance;
        }
        if (parameters.Length != direction.Length)
        {
            throw new ArgumentException($"{parameters.Length} parameters, the model has {direction.Length}", nameof(parameters));
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] -= rate * direction[i];
        }
        return rate;
    }

    /// <summary>The update direction delta, laid out as <see cref="FlatParameters.Get"/> (parameters -= learning rate * delta),
    /// its squared length in the metric, delta^T S delta (the mean square change of ln psi over the sample, fluctuations only,
    /// at a unit learning rate), and the largest change |d ln psi(x)| it predicts for a sampled configuration.</summary>
    /// <param name="model">The wavefunction the samples were drawn from.</param>
    /// <param name="samples">Unique samples with counts.</param>
    /// <param name="local">Local energies of all samples.</param>
    /// <param name="diagonalShift">lambda, added to the diagonal of both blocks of S.</param>
    /// <param name="maxSamples">At most this many unique samples (the most frequent) enter S and F.</param>
    public static (double[] Direction, double MetricNorm2, double MaxChange) Direction(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult local, double diagonalShift, int maxSamples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(diagonalShift);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
        if (local.Range.Start != 0 || local.Range.Count != samples.Unique)
        {
            throw new ArgumentException($"local energies cover {local.Range}, not all {samples.Unique} samples", nameof(local));
        }
        var rows = Rows(samples.Counts, maxSamples);
        var m = rows.Length;
        var k = samples.Orbitals;
        var tokens = new byte[m * k];
        var weights = new double[m];
        var real = new double[m];
        var imaginary = new double[m];
        double total = 0;
        foreach (var r in rows)
        {
            total += samples.Counts[r];
        }
        double energy = 0;
        for (var i = 0; i < m; i++)
        {
            var r = rows[i];
            samples.Configuration(r).CopyTo(tokens.AsSpan(i * k, k));
            weights[i] = samples.Counts[r] / total;
            real[i] = local.RealHartree[r];
            imaginary[i] = local.ImaginaryHartree[r];
            energy += weights[i] * real[i];
        }

        using var scope = NewDisposeScope();
        var (amplitude, phase) = model.LogDerivatives(model.TokenTensor(tokens));
        var w = tensor(weights);
        var sqrtW = w.sqrt();
        var realResidual = sqrtW.mul(tensor(real).sub(energy));
        var imaginaryResidual = sqrtW.mul(tensor(imaginary));
        var (amplitudeStep, amplitudeNorm2, amplitudeChange) = Solve(amplitude, w, sqrtW, realResidual, diagonalShift);
        var (phaseStep, phaseNorm2, phaseChange) = Solve(phase, w, sqrtW, imaginaryResidual, diagonalShift);
        var maxChange = amplitudeChange.square().add(phaseChange.square()).sqrt().max().item<double>();

        var a = amplitudeStep.data<double>().ToArray();
        var p = phaseStep.data<double>().ToArray();
        var result = new double[a.Length + p.Length];
        int offset = 0, ai = 0, pi = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            var n = (int)parameter.numel();
            if (TransformerWavefunction.IsPhaseParameter(name))
            {
                Array.Copy(p, pi, result, offset, n);
                pi += n;
            }
            else
            {
                Array.Copy(a, ai, result, offset, n);
                ai += n;
            }
            offset += n;
        }
        return (result, amplitudeNorm2 + phaseNorm2, maxChange);
    }

    /// <summary>delta = Obar^T (Obar Obar^T + lambda I)^-1 eps for log-derivatives <paramref name="o"/> [M, n], and |Obar delta|^2.</summary>
    private static (Tensor Step, double Norm2, Tensor Change) Solve(Tensor o, Tensor w, Tensor sqrtW, Tensor residual, double shift)
    {
        var mean = w.unsqueeze(0).matmul(o);
        // In place: at a thousand samples by several thousand parameters each full-matrix pass costs tens of milliseconds.
        var centred = o.sub(mean).mul_(sqrtW.unsqueeze(1));
        var kernel = centred.matmul(centred.t());
        kernel.diagonal().add_(shift);
        var y = linalg.solve(kernel, residual.unsqueeze(1));
        var step = centred.t().matmul(y).squeeze(1);
        var moved = centred.matmul(step);
        // (O_x - <O>) . delta = (Obar delta)_x / sqrt(w_x); every kept sample has a positive count.
        var change = moved.div(sqrtW);
        return (step, moved.dot(moved).item<double>(), change);
    }

    /// <summary>Indices of the unique samples that enter S: all of them, or the <paramref name="maxSamples"/> most
    /// frequent (ties to the lower index), in index order.</summary>
    public static int[] Rows(long[] counts, int maxSamples)
    {
        if (counts.Length <= maxSamples)
        {
            return Enumerable.Range(0, counts.Length).ToArray();
        }
        return Enumerable.Range(0, counts.Length)
            .OrderByDescending(i => counts[i]).ThenBy(i => i)
            .Take(maxSamples)
            .Order()
            .ToArray();
    }
}
