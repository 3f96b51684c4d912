using Dataflow.Kernels.Nqs;
using Xunit;

namespace Dataflow.Tests.Kernels.Nqs;

public sealed class NqsBenchmarkSpec
{
    [Fact]
    public void Prints_both_variants_per_precision_and_they_draw_the_same_sample()
    {
        var output = new StringWriter();
        var report = NqsBenchmark.Run(output, new NqsBenchmarkSettings
        {
            Orbitals = 8,
            AlphaElectrons = 4,
            BetaElectrons = 4,
            Samples = 1000,
            Repetitions = 1,
        });
        // The samples themselves, not the benchmark's own verdict: each precision's cached and uncached samplers drew
        // the same configurations with the same counts, and a sample of the 8-orbital sector is not trivially one
        // configuration.
        foreach (var (cached, uncached) in new[] { (0, 1), (2, 3) })
        {
            var a = report.Rows[cached].Drawn!;
            var b = report.Rows[uncached].Drawn!;
            Assert.Equal(a.Tokens, b.Tokens);
            Assert.Equal(a.Counts, b.Counts);
            Assert.True(a.Unique > 10, $"{a.Unique} unique samples");
        }
        Assert.True(report.SameSamples);
        Assert.Equal(["KV cache, float64", "no cache, float64", "KV cache, float32", "no cache, float32"], report.Rows.Select(r => r.Variant));
        Assert.All(report.Rows, r => Assert.Equal(1000, r.Logical));
        Assert.All(report.Rows, r => Assert.True(r.Seconds > 0 && r.UniquePerSecond > 0));
        Assert.Equal(report.Rows[0].Unique, report.Rows[1].Unique);
        var text = output.ToString();
        Assert.Contains("K=8, N_alpha=4, N_beta=4", text);
        Assert.Contains("same multiset", text);
        Assert.Contains("total variation distance", text);
    }
}
