using Dataflow.Kernels.Nqs;
using Xunit;

namespace Dataflow.Tests.Kernels.Nqs;

public sealed class BinomialSamplerSpec
{
    // (n, p) covering inversion (n p <= 30), BTPE's explicit ratio (|y - M| <= 20) and its squeeze and Stirling
    // tests (n p (1 - p) large), and the p > 1/2 reflection of each.
    [Theory]
    [InlineData(12L, 0.3)]
    [InlineData(60L, 0.45)]
    [InlineData(200L, 0.8)]
    [InlineData(5000L, 0.3)]
    [InlineData(100_000L, 0.9)]
    public void Draws_follow_the_binomial_distribution(long n, double p)
    {
        const int draws = 40_000;
        var stream = new CounterStream(CounterStream.NodeKey(11, (long)(n * p), 0, (UInt128)n));
        var histogram = new Dictionary<long, int>();
        for (var i = 0; i < draws; i++)
        {
            var k = BinomialSampler.Sample(ref stream, n, p);
            Assert.InRange(k, 0, n);
            histogram[k] = histogram.GetValueOrDefault(k) + 1;
        }
        // Chi-square over bins of expected count >= 20, every other value pooled into one more bin.
        var mean = n * p;
        var sd = Math.Sqrt(n * p * (1 - p));
        var lo = (long)Math.Max(0, Math.Floor(mean - 8 * sd));
        var hi = (long)Math.Min(n, Math.Ceiling(mean + 8 * sd));
        double chi2 = 0, mainExpected = 0, mainObserved = 0;
        var bins = 0;
        for (var k = lo; k <= hi; k++)
        {
            var expected = draws * Math.Exp(LogPmf(n, p, k));
            if (expected < 20)
            {
                continue;
            }
            var observed = histogram.GetValueOrDefault(k);
            chi2 += (observed - expected) * (observed - expected) / expected;
            mainExpected += expected;
            mainObserved += observed;
            bins++;
        }
        var restExpected = draws - mainExpected;
        var restObserved = draws - mainObserved;
        chi2 += (restObserved - restExpected) * (restObserved - restExpected) / Math.Max(restExpected, 1.0);
        var df = bins;
        Assert.True(bins >= 8, $"only {bins} bins");
        Assert.True(chi2 < df + 6 * Math.Sqrt(2.0 * df), $"chi2 {chi2:F1} with {df} degrees of freedom");
    }

    [Fact]
    public void Large_counts_have_the_binomial_mean_and_variance()
    {
        const long n = 10_000_000;
        const double p = 0.37;
        const int draws = 4000;
        var stream = new CounterStream(42);
        var values = Enumerable.Range(0, draws).Select(_ => (double)BinomialSampler.Sample(ref stream, n, p)).ToArray();
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (draws - 1);
        var expectedVariance = n * p * (1 - p);
        Assert.InRange(mean, n * p - 5 * Math.Sqrt(expectedVariance / draws), n * p + 5 * Math.Sqrt(expectedVariance / draws));
        // The sample variance of a near-normal variable has relative standard error sqrt(2 / draws) ~ 2.2%.
        Assert.InRange(variance / expectedVariance, 1 - 5 * Math.Sqrt(2.0 / draws), 1 + 5 * Math.Sqrt(2.0 / draws));
    }

    [Fact]
    public void Multinomial_split_conserves_the_count_and_skips_forbidden_outcomes()
    {
        var stream = new CounterStream(7);
        double[] p = [0.25, 0.0, 0.5, 0.25];
        var totals = new long[4];
        var split = new long[4];
        for (var i = 0; i < 2000; i++)
        {
            BinomialSampler.Multinomial(ref stream, 1000, p, split);
            Assert.Equal(1000, split.Sum());
            Assert.Equal(0, split[1]);
            for (var c = 0; c < 4; c++)
            {
                totals[c] += split[c];
            }
        }
        // 2e6 trials: outcome frequencies within 5 standard deviations of p.
        for (var c = 0; c < 4; c++)
        {
            var sd = Math.Sqrt(2e6 * p[c] * (1 - p[c]));
            Assert.InRange(totals[c], 2e6 * p[c] - 5 * sd, 2e6 * p[c] + 5 * sd);
        }
    }

    [Fact]
    public void The_same_key_gives_the_same_draws_and_another_key_different_ones()
    {
        static long[] Draws(ulong key)
        {
            var s = new CounterStream(key);
            return Enumerable.Range(0, 50).Select(_ => BinomialSampler.Sample(ref s, 1_000_000, 0.2)).ToArray();
        }
        var a = CounterStream.NodeKey(1, 0, 3, 0b1001);
        Assert.Equal(Draws(a), Draws(a));
        Assert.NotEqual(Draws(a), Draws(CounterStream.NodeKey(1, 1, 3, 0b1001)));
        Assert.NotEqual(Draws(a), Draws(CounterStream.NodeKey(1, 0, 3, 0b0110)));
    }

    private static double LogPmf(long n, double p, long k) =>
        LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k) + k * Math.Log(p) + (n - k) * Math.Log(1 - p);

    private static double LogFactorial(long n)
    {
        // Exact sum for small n, Stirling's series beyond (error below 1e-12 for n > 200).
        if (n <= 200)
        {
            var s = 0.0;
            for (var i = 2; i <= n; i++)
            {
                s += Math.Log(i);
            }
            return s;
        }
        double x = n + 1;
        return (x - 0.5) * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
    }
}
