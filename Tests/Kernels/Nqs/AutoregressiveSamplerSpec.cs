using Dataflow.Kernels.Nqs;
using Xunit;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Nqs;

public sealed class AutoregressiveSamplerSpec
{
    [Fact]
    public void Every_sample_has_the_right_electron_counts_and_carries_its_amplitude_and_phase()
    {
        using var model = NqsTestModels.Create(9, 4, 2);
        var result = new AutoregressiveSampler(model, new SamplerOptions { Samples = 50_000, Seed = 1, ChunkPrefixes = 100 }).Sample();
        Assert.Equal(50_000, result.Samples);
        Assert.True(result.Unique > 500, $"{result.Unique} unique");
        Assert.All(result.Counts, c => Assert.True(c > 0));
        for (var i = 0; i < result.Unique; i++)
        {
            var x = result.Configuration(i).ToArray();
            Assert.Equal(4, x.Sum(t => OrbitalTokens.Alpha(t)));
            Assert.Equal(2, x.Sum(t => OrbitalTokens.Beta(t)));
            if (i > 0)
            {
                Assert.True(result.Configuration(i - 1).SequenceCompareTo(x) < 0, "configurations are unique and sorted");
            }
        }
        using var scope = NewDisposeScope();
        var (logAmplitude, phase) = model.LogAmplitudeAndPhase(result.Tokens);
        var expectedLog = NqsTestModels.ToDoubles(logAmplitude);
        var expectedPhase = NqsTestModels.ToDoubles(phase);
        for (var i = 0; i < result.Unique; i++)
        {
            Assert.Equal(expectedLog[i], result.LogAmplitudes[i], 1e-12);
            Assert.Equal(expectedPhase[i], result.Phases[i], 1e-12);
        }
    }

    [Fact]
    public void Frequencies_of_a_million_samples_match_psi_squared()
    {
        const long samples = 1_000_000;
        using var model = NqsTestModels.Create(5, 2, 2);
        var result = new AutoregressiveSampler(model, new SamplerOptions { Samples = samples, Seed = 2 }).Sample();
        using var scope = NewDisposeScope();
        var all = model.Space.Enumerate();
        var probabilities = NqsTestModels.ToDoubles(model.LogAmplitudeAndPhase(all).LogAmplitude).Select(l => Math.Exp(2 * l)).ToArray();
        var observed = new long[probabilities.Length];
        for (int i = 0, j = 0; i < result.Unique; i++)
        {
            while (!all.AsSpan(j * 5, 5).SequenceEqual(result.Configuration(i)))
            {
                j++;
            }
            observed[j] = result.Counts[i];
        }
        var chi2 = 0.0;
        var worstSigma = 0.0;
        for (var j = 0; j < probabilities.Length; j++)
        {
            var expected = samples * probabilities[j];
            chi2 += (observed[j] - expected) * (observed[j] - expected) / expected;
            worstSigma = Math.Max(worstSigma, Math.Abs(observed[j] - expected) / Math.Sqrt(expected * (1 - probabilities[j])));
        }
        var df = probabilities.Length - 1;
        Assert.True(worstSigma < 5, $"worst deviation {worstSigma:F2} sigma");
        Assert.True(chi2 < df + 5 * Math.Sqrt(2.0 * df), $"chi2 {chi2:F1} with {df} degrees of freedom");
        // Not the uniform distribution in disguise: the same counts fail a chi-square against it.
        var uniform = observed.Sum(o => (o - samples / 100.0) * (o - samples / 100.0) / (samples / 100.0));
        Assert.True(uniform > 10 * (df + 5 * Math.Sqrt(2.0 * df)), $"uniform chi2 {uniform:F0}");
    }

    [Fact]
    public void Any_partition_of_the_prefixes_samples_exactly_the_single_sampler_multiset()
    {
        using var model = NqsTestModels.Create(8, 3, 3);
        var options = new SamplerOptions { Samples = 200_000, Seed = 5, Iteration = 3, ChunkPrefixes = 16 };
        var sampler = new AutoregressiveSampler(model, options);
        var single = sampler.Sample();
        Assert.True(single.Unique > 10 * options.ChunkPrefixes, $"{single.Unique} unique");

        foreach (var (depth, parts) in new[] { (1, 2), (3, 3), (4, 5) })
        {
            var sets = sampler.SplitPrefixes(depth, parts);
            Assert.Equal(parts, sets.Length);
            Assert.Equal(options.Samples, sets.Sum(s => s.Samples));
            // Balanced by count: no part exceeds the ideal share by more than the largest single prefix.
            var largest = sets.SelectMany(s => s.Counts).Max();
            Assert.All(sets, s => Assert.True(s.Samples <= options.Samples / parts + largest));
            // Each part on its own sampler, with another batch size: M = 29.
            var partial = sets.Select(s => new AutoregressiveSampler(model, options with { ChunkPrefixes = 29 }).SampleSubtrees(s)).ToList();
            var merged = SampleResult.Merge(partial);
            Assert.Equal(single.Tokens, merged.Tokens);
            Assert.Equal(single.Counts, merged.Counts);
            AssertClose(single.LogAmplitudes, merged.LogAmplitudes, 1e-12);
            AssertClose(single.Phases, merged.Phases, 1e-12);
        }
    }

    [Fact]
    public void Chunk_size_and_the_cache_do_not_change_the_sample()
    {
        using var model = NqsTestModels.Create(7, 3, 3);
        var options = new SamplerOptions { Samples = 3_000, Seed = 8 };
        var reference = new AutoregressiveSampler(model, options).Sample();
        foreach (var variant in new[] { options with { ChunkPrefixes = 1 }, options with { ChunkPrefixes = 13 }, options with { UseKvCache = false, ChunkPrefixes = 50 } })
        {
            var other = new AutoregressiveSampler(model, variant).Sample();
            Assert.Equal(reference.Tokens, other.Tokens);
            Assert.Equal(reference.Counts, other.Counts);
            AssertClose(reference.LogAmplitudes, other.LogAmplitudes, 1e-12);
            AssertClose(reference.Phases, other.Phases, 1e-12);
        }
    }

    [Fact]
    public void The_same_seed_repeats_the_sample_and_another_iteration_draws_a_new_one()
    {
        using var model = NqsTestModels.Create(6, 3, 2);
        var options = new SamplerOptions { Samples = 100_000, Seed = 4, Iteration = 10 };
        var a = new AutoregressiveSampler(model, options).Sample();
        var b = new AutoregressiveSampler(model, options).Sample();
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(a.Counts, b.Counts);
        var next = new AutoregressiveSampler(model, options with { Iteration = 11 }).Sample();
        var otherSeed = new AutoregressiveSampler(model, options with { Seed = 5 }).Sample();
        Assert.Equal(100_000, next.Samples);
        Assert.False(a.Tokens.AsSpan().SequenceEqual(next.Tokens) && a.Counts.AsSpan().SequenceEqual(next.Counts));
        Assert.False(a.Tokens.AsSpan().SequenceEqual(otherSeed.Tokens) && a.Counts.AsSpan().SequenceEqual(otherSeed.Counts));
    }

    [Fact]
    public void Prefix_counts_at_each_depth_add_up_and_refine_the_level_above()
    {
        using var model = NqsTestModels.Create(6, 2, 2);
        var sampler = new AutoregressiveSampler(model, new SamplerOptions { Samples = 10_000, Seed = 9 });
        var full = sampler.Sample();
        for (var depth = 0; depth <= 6; depth++)
        {
            var level = sampler.SplitPrefixes(depth, 1).Single();
            Assert.Equal(10_000, level.Samples);
            // The count of a prefix is the total count of the sampled configurations that start with it.
            for (var i = 0; i < level.Count; i++)
            {
                var prefix = level.Prefix(i).ToArray();
                long below = 0;
                for (var j = 0; j < full.Unique; j++)
                {
                    if (full.Configuration(j)[..depth].SequenceEqual(prefix))
                    {
                        below += full.Counts[j];
                    }
                }
                Assert.Equal(level.Counts[i], below);
            }
        }
    }

    [Fact]
    public void Depth_first_chunks_bound_the_prefixes_alive_whatever_the_sample_size()
    {
        const int m = 8;
        using var model = NqsTestModels.Create(8, 3, 3, options: new NqsModelOptions());
        var sampler = new AutoregressiveSampler(model, new SamplerOptions { Samples = 3_000, Seed = 3, ChunkPrefixes = m });
        var result = sampler.Sample();
        Assert.True(result.Unique > 100 * m, $"{result.Unique} unique");
        Assert.InRange(sampler.PeakLivePrefixes, m, (3 * 8 + 5) * m);
        // Breadth-first over everything would hold every unique configuration at the last level.
        Assert.True(sampler.PeakLivePrefixes < result.Unique / 8, $"peak {sampler.PeakLivePrefixes}");
    }

    [Fact]
    public void Zero_samples_give_an_empty_result()
    {
        using var model = NqsTestModels.Create(4, 2, 2);
        var result = new AutoregressiveSampler(model, new SamplerOptions { Samples = 0 }).Sample();
        Assert.Equal(0, result.Unique);
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: {expected[i]:R} vs {actual[i]:R}");
        }
    }
}
