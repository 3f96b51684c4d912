using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Fl;

/// <summary>Vicinal feature-statistics augmentation (VFDA, You et al., arXiv 2310.15371, IPMI 2023) at one institute:
/// after each encoder stage, during local training only, the channel statistics of a volume's features are moved to
/// a draw from a Gaussian around them, whose variance is the institute's own (momentum) spread of those statistics
/// plus the server's variance of them across institutes.</summary>
/// <remarks>
/// For a volume's channel c with mean mu and standard deviation sigma (over voxels), with probability p:
/// mu' = mu + eps1 sqrt(v_intra(mu) + v_inter(mu)), sigma' = sigma + eps2 sqrt(v_intra(sigma) + v_inter(sigma)), and the
/// features become (x - mu) / sigma * sigma' + mu' (the paper's eq. 3-5, with the batch-wise statistics of
/// DSU, Li et al., arXiv 2202.03958). Tensor additions pass a held alpha (<see cref="HeldScalars"/>). The draws come from a counter-based stream of (seed, institute, round), so the
/// augmentation is the same wherever the institute runs. sigma' is kept above sigma / 10.
/// </remarks>
public sealed class VfdaAugmenter(FeatureStatistics statistics, double probability, double momentum) : IFeatureAugmenter
{
    private const ulong Purpose = 0xF1_5FDA;
    private const double Epsilon = 1e-5;
    private ulong _key;
    private ulong _draw;

    /// <summary>The institute's running statistics (updated by every training batch).</summary>
    public FeatureStatistics Statistics { get; } = statistics;

    /// <summary>The server's variance across institutes, or null before the first aggregation.</summary>
    public FeatureVariance? Inter { get; set; }

    /// <summary>Starts the draws of institute <paramref name="institute"/>'s round <paramref name="round"/>.</summary>
    public void Begin(long seed, int institute, int round)
    {
        _key = CounterRandom.Key(seed, Purpose, institute, round);
        _draw = 0;
    }

    /// <inheritdoc />
    public Tensor Apply(int stage, Tensor features)
    {
        var n = (int)features.shape[0];
        var c = (int)features.shape[1];
        long[] dims = [2, 3, 4];
        using var mean = features.mean(dims, keepdim: true);
        using var variance = features.var(dims, unbiased: false, keepdim: true);
        using var eps = Epsilon.ToScalar();
        using var varianceEps = variance.add(eps, HeldScalars.One);
        using var std = varianceEps.sqrt();
        var means = Rows(mean, n, c);
        var stds = Rows(std, n, c);
        Statistics.Update(stage, means, stds, momentum, first: Statistics.Updates == 0);
        if (stage == UNet3d.EncoderStages - 1)
        {
            Statistics.Updates++;
        }

        var shiftMean = new float[n * c];
        var shiftStd = new float[n * c];
        var intraMean = Statistics.MeanVariance[stage];
        var intraStd = Statistics.StdVariance[stage];
        for (var i = 0; i < n; i++)
        {
            if (CounterRandom.Uniform(_key, _draw++) >= probability)
            {
                continue;
            }
            for (var k = 0; k < c; k++)
            {
                var scaleMean = Math.Sqrt(intraMean[k] + (Inter?.MeanVariance[stage][k] ?? 0));
                var scaleStd = Math.Sqrt(intraStd[k] + (Inter?.StdVariance[stage][k] ?? 0));
                shiftMean[i * c + k] = (float)(CounterRandom.Gaussian(_key, _draw++) * scaleMean);
                shiftStd[i * c + k] = (float)Math.Max(-0.9 * stds[i][k], CounterRandom.Gaussian(_key, _draw++) * scaleStd);
            }
        }
        using var dMean = FlTensors.Copy(shiftMean, [n, c, 1, 1, 1]);
        using var dStd = FlTensors.Copy(shiftStd, [n, c, 1, 1, 1]);
        // (x - mu) / sigma * (sigma + dSigma) + mu + dMu = x + (x - mu) / sigma * dSigma + dMu.
        using var negatedMean = mean.neg();
        using var centred = features.add(negatedMean, HeldScalars.One);
        using var normalised = centred.div(std);
        using var scaled = normalised.mul(dStd);
        using var moved = features.add(scaled, HeldScalars.One);
        return moved.add(dMean, HeldScalars.One);
    }

    private static double[][] Rows(Tensor t, int n, int c)
    {
        using var detached = t.detach();
        using var flat = detached.reshape(n * c);
        var values = flat.data<float>().ToArray();
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, c).Select(k => (double)values[i * c + k]).ToArray()).ToArray();
    }
}
