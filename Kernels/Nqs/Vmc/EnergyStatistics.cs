using MessagePack;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Weighted statistics of local energies over N logical samples.</summary>
/// <param name="EnergyHartree">E = Re sum_x w_x E_loc(x), w_x = count_x / N.</param>
/// <param name="ImaginaryHartree">Im sum_x w_x E_loc(x); zero for the exact ground state, noise otherwise.</param>
/// <param name="VarianceHartree2">sum_x w_x |E_loc(x) - E|^2, in hartree squared.</param>
/// <param name="StandardErrorHartree">sqrt(variance / N): the naive error of independent samples. Autoregressive
/// samples are independent draws, so no blocking is needed; unique configurations with counts cannot be blocked anyway.</param>
/// <param name="Samples">N, logical samples.</param>
/// <param name="Unique">Unique configurations.</param>
[MessagePackObject]
public sealed record EnergyStatistics(
    [property: Key(0)] double EnergyHartree,
    [property: Key(1)] double ImaginaryHartree,
    [property: Key(2)] double VarianceHartree2,
    [property: Key(3)] double StandardErrorHartree,
    [property: Key(4)] long Samples,
    [property: Key(5)] int Unique)
{
    /// <summary>Statistics of the local energies of all samples (one result covering every unique sample, or several
    /// covering them in order).</summary>
    public static EnergyStatistics Compute(SampleResult samples, IReadOnlyList<LocalEnergyResult> parts)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(parts);
        var real = new double[samples.Unique];
        var imaginary = new double[samples.Unique];
        var covered = 0;
        foreach (var part in parts)
        {
            part.RealHartree.CopyTo(real, part.Range.Start);
            part.ImaginaryHartree.CopyTo(imaginary, part.Range.Start);
            covered += part.Range.Count;
        }
        if (covered != samples.Unique)
        {
            throw new ArgumentException($"local energies cover {covered} of {samples.Unique} samples", nameof(parts));
        }
        return Compute(samples.Counts, real, imaginary);
    }

    /// <summary>Statistics from counts and local energies, index-aligned.</summary>
    public static EnergyStatistics Compute(ReadOnlySpan<long> counts, ReadOnlySpan<double> realHartree, ReadOnlySpan<double> imaginaryHartree)
    {
        long n = 0;
        foreach (var c in counts)
        {
            n += c;
        }
        if (n <= 0)
        {
            throw new ArgumentException("no samples", nameof(counts));
        }
        // E = sum_x w_x E_loc(x), w_x = n_x / N  (arXiv 2306.16705, eq. 3).
        double energy = 0, energyImaginary = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var w = (double)counts[i] / n;
            energy += w * realHartree[i];
            energyImaginary += w * imaginaryHartree[i];
        }
        double variance = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var w = (double)counts[i] / n;
            var dr = realHartree[i] - energy;
            var di = imaginaryHartree[i] - energyImaginary;
            variance += w * (dr * dr + di * di);
        }
        return new EnergyStatistics(energy, energyImaginary, variance, Math.Sqrt(variance / n), n, counts.Length);
    }
}
