using Dataflow.Kernels.Compute;
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
                var loss = logAmplitude.mul(a).sum().add(phase.mul(b).sum(), HeldScalars.One);
                loss.backward();
            }
            sum.Add(FlatParameters.Gradient(model));
            model.zero_grad();
            first = end;
        }
        return sum;
    }

    /// <summary>Weights w_x = |psi(x)|^(2 <paramref name="exponent"/>) / sum_y |psi(y)|^(2 exponent) over the unique samples,
    /// from their log-amplitudes; an exponent of 1 gives the model's probabilities renormalised to the sample.</summary>
    /// <remarks>Summed in sample order, so equal samples give bitwise equal weights.</remarks>
    public static double[] AmplitudeWeights(SampleResult samples, double exponent)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var logAmplitudes = samples.LogAmplitudes;
        var max = double.NegativeInfinity;
        foreach (var l in logAmplitudes)
        {
            max = Math.Max(max, l);
        }
        var weights = new double[logAmplitudes.Length];
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = Math.Exp(2.0 * exponent * (logAmplitudes[i] - max));
            sum += weights[i];
        }
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }
        return weights;
    }

    /// <summary>Local energies of the annealed objective F = E - T S, S = -sum_x |psi(x)|^2 ln |psi(x)|^2: Re E_loc(x) + T ln |psi(x)|^2,
    /// whose energy gradient is the gradient of F (Hibat-Allah et al., Nat. Mach. Intell. 3, 952 (2021)).</summary>
    public static LocalEnergyResult WithEntropy(SampleResult samples, LocalEnergyResult localEnergy, double temperatureHartree)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(localEnergy);
        if (temperatureHartree == 0)
        {
            return localEnergy;
        }
        var real = new double[localEnergy.RealHartree.Length];
        for (var i = 0; i < real.Length; i++)
        {
            real[i] = localEnergy.RealHartree[i] + 2.0 * temperatureHartree * samples.LogAmplitudes[localEnergy.Range.Start + i];
        }
        return localEnergy with { RealHartree = real };
    }

    /// <summary>The gradient over all samples as doubles, laid out as <see cref="FlatParameters.Get"/>.</summary>
    public static double[] Compute(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult localEnergy, double energyHartree, int chunk = DefaultChunk)
        => Partial(model, samples, localEnergy, energyHartree, chunk).ToDoubles();
}
