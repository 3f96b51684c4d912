using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>The VMC energy gradient by autograd on a surrogate loss, over fixed micro-batches of unique samples.</summary>
/// <remarks>
/// <para>grad E = 2 Re sum_x w_x (E_loc(x) - E)^* d ln psi(x)/d theta; for real parameters and
/// ln psi = log|psi| + i phi this is the gradient of the surrogate
/// L = 2 sum_x w_x [Re(E_loc(x) - E) log|psi(x)| + Im(E_loc(x)) phi(x)] with E_loc and E held constant
/// (NNQS-Transformer, arXiv 2306.16705, eq. 5; E is real).</para>
/// <para>Micro-batches are the unique samples [c M, (c + 1) M) of the whole sample, M = chunk, and each one's
/// gradient is added to a <see cref="GradientSum"/>, whose addition is exact. So partial gradients of sample ranges
/// whose boundaries are multiples of M (see <see cref="LocalEnergy.PartitionByCost"/>) add up, in any order, to the
/// same bits as the single gradient, given the same parameters and torch thread count.</para>
/// </remarks>
public static class VmcGradient
{
    /// <summary>Default micro-batch, in unique samples.</summary>
    public const int DefaultChunk = 1024;

    /// <summary>The partial gradient of the samples in <paramref name="localEnergy"/>'s range, with weights
    /// count_x / N over all N logical samples.</summary>
    public static GradientSum Partial(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult localEnergy, double energyHartree, int chunk = DefaultChunk)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var n = (double)samples.Samples;
        var weights = samples.Counts.Select(c => c / n).ToArray();
        return Partial(model, samples, weights, localEnergy, energyHartree, chunk);
    }

    /// <summary>The partial gradient with explicit weights w_x (index-aligned with the samples), e.g. |psi(x)|^2 for
    /// exact expectations over an enumerated space.</summary>
    public static GradientSum Partial(
        TransformerWavefunction model, SampleResult samples, ReadOnlySpan<double> weights, LocalEnergyResult localEnergy,
        double energyHartree, int chunk = DefaultChunk)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(localEnergy);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        if (weights.Length != samples.Unique)
        {
            throw new ArgumentException($"{weights.Length} weights for {samples.Unique} samples", nameof(weights));
        }
        var range = localEnergy.Range;
        var k = samples.Orbitals;
        var sum = new GradientSum(FlatParameters.Count(model));
        var first = range.Start;
        while (first < range.End)
        {
            var end = Math.Min(range.End, (first / chunk + 1) * chunk);
            var rows = end - first;
            var tokens = new long[rows * k];
            for (var i = 0; i < tokens.Length; i++)
            {
                tokens[i] = samples.Tokens[first * k + i];
            }
            var amplitudeCoefficients = new double[rows];
            var phaseCoefficients = new double[rows];
            for (var r = 0; r < rows; r++)
            {
                var local = first + r - range.Start;
                var w = weights[first + r];
                amplitudeCoefficients[r] = 2.0 * w * (localEnergy.RealHartree[local] - energyHartree);
                phaseCoefficients[r] = 2.0 * w * localEnergy.ImaginaryHartree[local];
            }
            using (var scope = NewDisposeScope())
            {
                model.zero_grad();
                var (logAmplitude, phase) = model.forward(tensor(tokens, [rows, k]));
                var a = tensor(amplitudeCoefficients).to_type(logAmplitude.dtype);
                var b = tensor(phaseCoefficients).to_type(phase.dtype);
                var loss = logAmplitude.mul(a).sum().add(phase.mul(b).sum());
                loss.backward();
            }
            sum.Add(FlatParameters.Gradient(model));
            model.zero_grad();
            first = end;
        }
        return sum;
    }

    /// <summary>The gradient over all samples as doubles, laid out as <see cref="FlatParameters.Get"/>.</summary>
    public static double[] Compute(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult localEnergy, double energyHartree, int chunk = DefaultChunk)
        => Partial(model, samples, localEnergy, energyHartree, chunk).ToDoubles();
}
