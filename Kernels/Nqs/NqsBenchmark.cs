using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Nqs;

/// <summary>Sampling throughput of <see cref="AutoregressiveSampler"/> with and without the key/value cache, in
/// float64 and float32, measured side by side in one run (K = 14, 7 + 7 electrons by default, like N2).</summary>
/// <remarks>Without the cache every step reruns each prefix from its start, so the work per level grows with the
/// depth. With the default settings a two-core node finishes in well under 30 s.</remarks>
public static class NqsBenchmark
{
    /// <summary>Runs with the default settings and prints a table to <paramref name="output"/>.</summary>
    public static NqsBenchmarkReport Run(TextWriter output) => Run(output, null);

    /// <summary>Runs and prints a table to <paramref name="output"/>.</summary>
    public static NqsBenchmarkReport Run(TextWriter output, NqsBenchmarkSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(output);
        settings ??= new NqsBenchmarkSettings();
        TorchRuntime.EnsureLoaded(settings.Threads);
        var space = new ConfigurationSpace(settings.Orbitals, settings.AlphaElectrons, settings.BetaElectrons);
        var total = Stopwatch.StartNew();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NQS autoregressive sampling: K={space.Orbitals}, N_alpha={space.AlphaElectrons}, N_beta={space.BetaElectrons} " +
            $"({space.Dimension:E3} configurations), {settings.Samples} logical samples, M={settings.ChunkPrefixes}, " +
            $"{settings.Threads} intra-op thread(s); fastest of {settings.Repetitions} after a warm-up"));
        output.WriteLine($"{"variant",-22} {"unique",9} {"logical",10} {"seconds",9} {"unique/s",11} {"logical/s",12} {"speed-up",9}");
        var rows = new List<NqsBenchmarkRow>();
        var same = true;
        using var model64 = new TransformerWavefunction(space, new NqsModelOptions { InitStd = settings.InitStd }, seed: 1);
        using var model32 = new TransformerWavefunction(space, new NqsModelOptions { InitStd = settings.InitStd, Float64 = false }, seed: 1);
        CopyParameters(model64, model32);
        var samples = new List<SampleResult>();
        foreach (var model in new[] { model64, model32 })
        {
            var precision = model.DType == TorchSharp.torch.ScalarType.Float64 ? "float64" : "float32";
            var (cached, cachedResult) = Measure(model, settings, useKvCache: true);
            var (uncached, uncachedResult) = Measure(model, settings, useKvCache: false);
            same &= cachedResult.Tokens.AsSpan().SequenceEqual(uncachedResult.Tokens) && cachedResult.Counts.AsSpan().SequenceEqual(uncachedResult.Counts);
            var withCache = new NqsBenchmarkRow($"KV cache, {precision}", cachedResult.Unique, cachedResult.Samples, cached) { Drawn = cachedResult };
            var without = new NqsBenchmarkRow($"no cache, {precision}", uncachedResult.Unique, uncachedResult.Samples, uncached) { Drawn = uncachedResult };
            Print(output, withCache, uncached / cached);
            Print(output, without, 1.0);
            rows.Add(withCache);
            rows.Add(without);
            samples.Add(cachedResult);
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"float32 against float64 with the same weights: total variation distance of the sampled frequencies {TotalVariation(samples[0], samples[1]):E2}"));
        output.WriteLine(same
            ? "with and without the cache the samplers drew the same multiset"
            : "WARNING: the cached and uncached samplers drew different multisets");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {total.Elapsed.TotalSeconds:F1} s"));
        return new NqsBenchmarkReport(rows, same);
    }

    private static (double Seconds, SampleResult Result) Measure(TransformerWavefunction model, NqsBenchmarkSettings settings, bool useKvCache)
    {
        var options = new SamplerOptions
        {
            Samples = settings.Samples,
            Seed = 7,
            ChunkPrefixes = settings.ChunkPrefixes,
            UseKvCache = useKvCache,
        };
        new AutoregressiveSampler(model, options with { Samples = Math.Min(1000, settings.Samples), Iteration = -1 }).Sample();
        var best = double.PositiveInfinity;
        SampleResult? result = null;
        for (var r = 0; r < Math.Max(1, settings.Repetitions); r++)
        {
            var watch = Stopwatch.StartNew();
            result = new AutoregressiveSampler(model, options).Sample();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (best, result!);
    }

    private static void CopyParameters(TransformerWavefunction from, TransformerWavefunction to)
    {
        using var noGrad = TorchSharp.torch.no_grad();
        var source = from.state_dict();
        foreach (var (name, tensor) in to.state_dict())
        {
            tensor.copy_(source[name]);
        }
    }

    /// <summary>Half the L1 distance between the empirical distributions of two samples.</summary>
    private static double TotalVariation(SampleResult a, SampleResult b)
    {
        var counts = new Dictionary<UInt128, (long A, long B)>();
        for (var i = 0; i < a.Unique; i++)
        {
            counts[a.Bits128(i)] = (a.Counts[i], 0);
        }
        for (var i = 0; i < b.Unique; i++)
        {
            var key = b.Bits128(i);
            counts[key] = (counts.GetValueOrDefault(key).A, b.Counts[i]);
        }
        double na = a.Samples, nb = b.Samples;
        return 0.5 * counts.Values.Sum(c => Math.Abs(c.A / na - c.B / nb));
    }

    private static void Print(TextWriter output, NqsBenchmarkRow row, double speedUp) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{row.Variant,-22} {row.Unique,9} {row.Logical,10} {row.Seconds,9:F3} {row.UniquePerSecond,11:F0} {row.LogicalPerSecond,12:E3} {speedUp,8:F2}x"));
}
