using MessagePack;

namespace Dataflow.Kernels.Fl;

/// <summary>One institute's running feature statistics (VFDA): per encoder stage and channel, the momentum average of
/// the per-volume channel means and standard deviations, and the momentum average of their spread within a batch.</summary>
/// <remarks>What an institute sends (<see cref="Mean"/>, <see cref="Std"/>) are statistics of feature maps averaged
/// over voxels and volumes: no voxel of its data. The intra-institute variances stay at the institute.</remarks>
/// <param name="Mean">[stage][channel]: running mean of the volumes' channel means.</param>
/// <param name="Std">[stage][channel]: running mean of the volumes' channel standard deviations.</param>
/// <param name="MeanVariance">[stage][channel]: running mean of the batch variance of the channel means.</param>
/// <param name="StdVariance">[stage][channel]: running mean of the batch variance of the channel standard deviations.</param>
/// <param name="Updates">Batches seen.</param>
[MessagePackObject]
public sealed record FeatureStatistics(
    [property: Key(0)] double[][] Mean,
    [property: Key(1)] double[][] Std,
    [property: Key(2)] double[][] MeanVariance,
    [property: Key(3)] double[][] StdVariance,
    long Updates)
{
    /// <summary>Batches folded in so far.</summary>
    [Key(4)]
    public long Updates { get; set; } = Updates;

    /// <summary>Empty statistics for a U-Net of <paramref name="baseChannels"/>.</summary>
    public static FeatureStatistics Empty(int baseChannels)
    {
        double[][] Zeros() => Enumerable.Range(0, UNet3d.EncoderStages)
            .Select(s => new double[UNet3d.StageChannels(baseChannels, s)]).ToArray();
        return new FeatureStatistics(Zeros(), Zeros(), Zeros(), Zeros(), 0);
    }

    /// <summary>Folds one batch of stage <paramref name="stage"/> into the running values, with momentum
    /// <paramref name="momentum"/>: m &lt;- beta m + (1 - beta) mean_i(mu_i), then v &lt;- beta v + (1 - beta) mean_i((mu_i - m)^2),
    /// the same for the standard deviations; the first batch of a stage sets m and v directly.</summary>
    /// <param name="means">[volume][channel] channel means of the batch.</param>
    /// <param name="stds">[volume][channel] channel standard deviations of the batch.</param>
    public void Update(int stage, double[][] means, double[][] stds, double momentum, bool first)
    {
        Fold(Mean[stage], MeanVariance[stage], means, momentum, first);
        Fold(Std[stage], StdVariance[stage], stds, momentum, first);
    }

    /// <summary>What leaves the institute: the running means alone (the variances within it stay).</summary>
    public FeatureStatistics Shared() => new(Deep(Mean), Deep(Std), Zeros(), Zeros(), Updates);

    private double[][] Zeros() => Mean.Select(m => new double[m.Length]).ToArray();

    /// <summary>A deep copy.</summary>
    public FeatureStatistics Copy() => new(Deep(Mean), Deep(Std), Deep(MeanVariance), Deep(StdVariance), Updates);

    private static double[][] Deep(double[][] a) => a.Select(r => (double[])r.Clone()).ToArray();

    private static void Fold(double[] running, double[] variance, double[][] batch, double momentum, bool first)
    {
        var volumes = batch.Length;
        for (var c = 0; c < running.Length; c++)
        {
            var mean = 0.0;
            for (var i = 0; i < volumes; i++)
            {
                mean += batch[i][c];
            }
            mean /= volumes;
            running[c] = first ? mean : momentum * running[c] + (1 - momentum) * mean;
            var spread = 0.0;
            for (var i = 0; i < volumes; i++)
            {
                var d = batch[i][c] - running[c];
                spread += d * d;
            }
            spread /= volumes;
            variance[c] = first ? spread : momentum * variance[c] + (1 - momentum) * spread;
        }
    }
}

/// <summary>The server's view of the institutes' feature statistics (VFDA): per stage and channel, the variance across
/// institutes of their running channel means and standard deviations, weighted by sample count.</summary>
/// <param name="MeanVariance">[stage][channel].</param>
/// <param name="StdVariance">[stage][channel].</param>
[MessagePackObject]
public sealed record FeatureVariance(
    [property: Key(0)] double[][] MeanVariance,
    [property: Key(1)] double[][] StdVariance)
{
    /// <summary>sum_k n_k (m_k - mbar)^2 / sum_k n_k with mbar = sum_k n_k m_k / sum_k n_k, in institute order.</summary>
    public static FeatureVariance Across(IReadOnlyList<(FeatureStatistics Statistics, long Samples)> institutes)
    {
        if (institutes.Count == 0)
        {
            throw new ArgumentException("no institute statistics", nameof(institutes));
        }
        var first = institutes[0].Statistics;
        double[][] Of(Func<FeatureStatistics, double[][]> pick)
        {
            var result = new double[first.Mean.Length][];
            for (var s = 0; s < result.Length; s++)
            {
                result[s] = new double[pick(first)[s].Length];
                for (var c = 0; c < result[s].Length; c++)
                {
                    double total = 0, weighted = 0;
                    foreach (var (stats, n) in institutes)
                    {
                        total += n;
                        weighted += n * pick(stats)[s][c];
                    }
                    var mean = weighted / total;
                    var variance = 0.0;
                    foreach (var (stats, n) in institutes)
                    {
                        var d = pick(stats)[s][c] - mean;
                        variance += n * d * d;
                    }
                    result[s][c] = variance / total;
                }
            }
            return result;
        }
        return new FeatureVariance(Of(x => x.Mean), Of(x => x.Std));
    }
}
