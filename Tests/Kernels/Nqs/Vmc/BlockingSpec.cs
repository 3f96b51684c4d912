using Dataflow.Kernels.Nqs.Vmc;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

/// <summary>The blocking error of the mean that <c>run nqs</c> reports as energyStdErr, against the analytic standard
/// errors of independent and of autocorrelated (AR(1)) series.</summary>
public sealed class BlockingSpec(ITestOutputHelper output)
{
    [Fact]
    public void Independent_samples_give_sigma_over_root_n()
    {
        var series = Gaussians(new Random(11), 4096);
        var error = VmcOptimizer.BlockingStandardError(series);
        var exact = 1.0 / Math.Sqrt(series.Length);
        output.WriteLine($"independent: blocking {error:E3}, sigma / sqrt(n) {exact:E3}");
        Assert.InRange(error / exact, 0.8, 1.6);
    }

    [Fact]
    public void Correlated_samples_widen_the_error_by_the_autocorrelation_factor()
    {
        // x_t = phi x_(t-1) + e_t with unit-variance noise: the mean's standard error is 1 / ((1 - phi) sqrt(n)) for
        // large n, sqrt((1 + phi) / (1 - phi)) = 4.36 times the naive sqrt(var(x) / n) at phi = 0.9.
        const double Phi = 0.9;
        var noise = Gaussians(new Random(5), 16384);
        var series = new double[noise.Length];
        var x = 0.0;
        for (var t = 0; t < series.Length; t++)
        {
            x = Phi * x + noise[t];
            series[t] = x;
        }
        var error = VmcOptimizer.BlockingStandardError(series);
        var exact = 1.0 / ((1 - Phi) * Math.Sqrt(series.Length));
        var naive = Math.Sqrt(1.0 / (1 - Phi * Phi) / series.Length);
        output.WriteLine($"AR(1), phi {Phi}: blocking {error:E3}, analytic {exact:E3}, naive {naive:E3}");
        Assert.InRange(error / exact, 0.75, 1.5);
        Assert.True(error > 3 * naive);
    }

    [Fact]
    public void A_drifting_series_is_not_reported_as_precise()
    {
        // An optimisation still going down: 100 energies falling by 1 mHa with 1e-6 Ha noise. The error of the mean must
        // reflect the drift (order 0.1 mHa), not the noise (order 1e-7).
        var noise = Gaussians(new Random(2), 100);
        var series = noise.Select((e, t) => -1.0 - 1e-5 * t + 1e-6 * e).ToArray();
        var error = VmcOptimizer.BlockingStandardError(series);
        output.WriteLine($"drift: blocking {error:E3}");
        Assert.True(error > 5e-5, $"{error:E3}");
    }

    private static double[] Gaussians(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];
}
