using Dataflow.Kernels.Train;
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
/// frequent half of them enter with their own weights and the rest of the rows are drawn from the remaining tail in
/// proportion to count (systematic sampling keyed by seed and iteration), each carrying an equal share of the tail's
/// weight: an unbiased estimate of S and F over the whole sample at the cost of <c>maxSamples</c> rows.</para>
/// <para>Decays are capped (<see cref="VmcOptions.DecayCapHartree"/>): the residual E_loc(x) - E of the amplitude block
/// is cut at the cap, so no configuration is asked to shrink faster than the learning rate times the cap per step.
/// Imaginary-time evolution shrinks a configuration whose sign is still wrong by e^(-tau (E_loc - E)), with E_loc - E
/// tens of hartree, before its phase is corrected; in the model it then drops below what the sample resolves and never
/// returns. On N2 the uncapped steps left Hartree-Fock-like determinants with full-CI weights up to 9e-6 at
/// probabilities of 1e-38, and the full-CI vector restricted to the configurations the model still sampled lay 2.1 mHa
/// above the full-CI energy.</para>
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
        var (direction, norm2, maxChange) = Direction(
            model, samples, annealed, options.DiagonalShift, options.ReconfigurationSamples, options.DecayCapHartree, RowKey(options.Seed, t));
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
    /// <param name="maxSamples">At most this many rows enter S and F (see <see cref="Rows"/>).</param>
    /// <param name="decayCapHartree">Largest residual Re E_loc(x) - E of the amplitude block; infinity solves the
    /// plain minSR system.</param>
    /// <param name="rowKey">Keys the draw of tail rows when there are more than <paramref name="maxSamples"/> unique samples.</param>
    public static (double[] Direction, double MetricNorm2, double MaxChange) Direction(
        TransformerWavefunction model, SampleResult samples, LocalEnergyResult local, double diagonalShift, int maxSamples,
        double decayCapHartree = double.PositiveInfinity, ulong rowKey = 0)
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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(decayCapHartree);
        var (rows, weights) = Rows(samples.Counts, maxSamples, rowKey);
        var m = rows.Length;
        var k = samples.Orbitals;
        var tokens = new byte[m * k];
        var real = new double[m];
        var imaginary = new double[m];
        // The energy of the whole sample: the cap is measured from it.
        var energy = EnergyStatistics.Compute(samples.Counts, local.RealHartree, local.ImaginaryHartree).EnergyHartree;
        for (var i = 0; i < m; i++)
        {
            var r = rows[i];
            samples.Configuration(r).CopyTo(tokens.AsSpan(i * k, k));
            real[i] = Math.Min(local.RealHartree[r] - energy, decayCapHartree);
            imaginary[i] = local.ImaginaryHartree[r];
        }

        using var scope = NewDisposeScope();
        var (amplitude, phase) = model.LogDerivatives(model.TokenTensor(tokens));
        var w = tensor(weights);
        var sqrtW = w.sqrt();
        var realResidual = sqrtW.mul(tensor(real));
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
        // In place (o is ours): at a thousand samples by several thousand parameters each full-matrix pass costs tens of
        // milliseconds.
        var centred = o.sub_(mean).mul_(sqrtW.unsqueeze(1));
        var kernel = SymmetricProduct(centred);
        kernel.diagonal().add_(shift);
        var y = linalg.solve(kernel, residual.unsqueeze(1));
        var step = centred.t().matmul(y).squeeze(1);
        var moved = centred.matmul(step);
        // (O_x - <O>) . delta = (Obar delta)_x / sqrt(w_x); every kept sample has a positive count.
        var change = moved.div(sqrtW);
        return (step, moved.dot(moved).item<double>(), change);
    }

    /// <summary>a a^T for <paramref name="a"/> [M, n], from the blocks on and above the diagonal only, each mirrored: the
    /// product is symmetric to the last bit and costs about 60 % of a full matmul (1024 x 6900, one thread: 0.29 s
    /// against 0.43 s).</summary>
    public static Tensor SymmetricProduct(Tensor a)
    {
        var m = a.shape[0];
        var result = empty(m, m, a.dtype);
        for (long i = 0; i < m; i += SymmetricBlock)
        {
            var bi = Math.Min(SymmetricBlock, m - i);
            using var rowsI = a.narrow(0, i, bi);
            for (var j = i; j < m; j += SymmetricBlock)
            {
                var bj = Math.Min(SymmetricBlock, m - j);
                using var rowsJ = a.narrow(0, j, bj);
                using var transposed = rowsJ.t();
                using var block = rowsI.matmul(transposed);
                using var target = result.narrow(0, i, bi).narrow(1, j, bj);
                if (j == i)
                {
                    // The product computes (r, c) and (c, r) separately: keep the upper triangle and mirror it.
                    using var upper = block.triu();
                    using var strict = block.triu(1);
                    using var lower = strict.t();
                    target.copy_(upper.add_(lower));
                    continue;
                }
                target.copy_(block);
                using var mirror = result.narrow(0, j, bj).narrow(1, i, bi);
                using var blockT = block.t();
                mirror.copy_(blockT);
            }
        }
        return result;
    }

    // Rows per block of SymmetricProduct: 256 was the fastest of 128, 256 and 512 at M = 1024.
    private const long SymmetricBlock = 256;

    /// <summary>The rows of S and their weights, summing to 1: every unique sample with weight count / N when there are
    /// at most <paramref name="maxSamples"/>; otherwise the most frequent half of <paramref name="maxSamples"/> (ties to
    /// the lower index) with weight count / N, and the other half drawn from the remaining tail by systematic sampling in
    /// proportion to count, with the uniform offset from <paramref name="key"/>; a tail sample drawn j times weighs j
    /// times the tail's weight over the number of draws. Rows are in index order.</summary>
    /// <remarks>Each weight's expectation over keys is count / N, so S and F are unbiased estimates of the whole
    /// sample's.</remarks>
    public static (int[] Rows, double[] Weights) Rows(long[] counts, int maxSamples, ulong key)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
        var total = 0.0;
        foreach (var c in counts)
        {
            total += c;
        }
        if (counts.Length <= maxSamples)
        {
            return (Enumerable.Range(0, counts.Length).ToArray(), counts.Select(c => c / total).ToArray());
        }
        var order = Enumerable.Range(0, counts.Length).OrderByDescending(i => counts[i]).ThenBy(i => i).ToArray();
        var kept = maxSamples / 2;
        var draws = maxSamples - kept;
        var weights = new Dictionary<int, double>(maxSamples);
        for (var i = 0; i < kept; i++)
        {
            weights[order[i]] = counts[order[i]] / total;
        }
        // Cumulative counts of the tail, most frequent first.
        var cumulative = new double[order.Length - kept];
        var sum = 0.0;
        for (var i = kept; i < order.Length; i++)
        {
            sum += counts[order[i]];
            cumulative[i - kept] = sum;
        }
        var share = sum / total / draws;
        var offset = new CounterStream(key).NextUniform();
        for (var d = 0; d < draws; d++)
        {
            var u = (d + offset) / draws * sum;
            var j = Array.BinarySearch(cumulative, u);
            // The first entry whose cumulative count exceeds u (ties move past equal sums).
            j = j < 0 ? ~j : j + 1;
            var r = order[kept + Math.Min(j, cumulative.Length - 1)];
            weights[r] = weights.GetValueOrDefault(r) + share;
        }
        var rows = weights.Keys.Order().ToArray();
        return (rows, rows.Select(r => weights[r]).ToArray());
    }

    /// <summary>Key of iteration <paramref name="iteration"/>'s draw of tail rows.</summary>
    public static ulong RowKey(long seed, long iteration) => CounterRandom.Key(seed, RowPurpose, iteration, 0, 0);

    // "NQSSROWS" in ASCII: separates these draws from the sampler's streams with the same seed.
    private const ulong RowPurpose = 0x4E5153534F575300UL;
}
