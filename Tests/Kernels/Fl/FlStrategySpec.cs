using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Fl;
using TorchSharp;
using Xunit;

namespace Dataflow.Tests.Kernels.Fl;

public sealed class FlStrategySpec
{
    private static readonly FlSettings s_small = new(Institutes: 2, Side: 8, BaseChannels: 4, TrainVolumes: 3, TestVolumes: 2,
        Batch: 3, LearningRate: 0.05, Optimizer: FlOptimizer.Sgd, Rounds: 1);

    private static double WorstRelative(float[] a, float[] b) =>
        a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Max(1e-3, Math.Abs(y))).Max();

    [Fact]
    public void FedAvg_of_one_full_batch_SGD_step_equals_one_SGD_step_on_the_union()
    {
        var data = Enumerable.Range(0, 2).Select(i => SyntheticVolumes.Institute(s_small, i)).ToArray();
        var strategy = new FedAvg(s_small);
        var global = FlWeights.Initial(s_small);
        var results = strategy.ConfigureFit(0, global, [0, 1])
            .Select(f => { using var t = new InstituteTrainer(s_small, f.Institute, data[f.Institute]); return t.Fit(f); })
            .ToArray();
        var federated = strategy.AggregateFit(0, global, results);

        var union = new InstituteData([.. data[0].Train, .. data[1].Train], data[0].Test);
        var pooled = s_small with { Institutes = 1, Batch = 6 };
        using var central = new InstituteTrainer(pooled, 0, union);
        var centralised = central.Fit(new FedAvg(pooled).ConfigureFit(0, global, [0])[0]).Weights;

        Assert.Equal(centralised.Names, federated.Names);
        Assert.True(WorstRelative(federated.Values, centralised.Values) < 1e-4,
            $"largest relative difference {WorstRelative(federated.Values, centralised.Values):E2}");
        // The step moved the weights: the comparison is not of two copies of the start.
        Assert.True(WorstRelative(federated.Values, global.Values) > 1e-3);
    }

    [Fact]
    public void FedAvg_of_identical_institutes_equals_centralised_SGD_on_their_union_over_rounds()
    {
        var settings = s_small with { Rounds = 3, LocalEpochs = 2, LearningRate = 0.02 };
        var one = SyntheticVolumes.Institute(settings, 0);
        var run = FlSimulation.Run(settings, [one, one]);
        // The union holds every volume twice; full batches, so its gradient is the institutes'.
        var union = new InstituteData([.. one.Train, .. one.Train], one.Test);
        var pooled = settings with { Institutes = 1, Batch = 6 };
        using var central = new InstituteTrainer(pooled, 0, union);
        var global = FlWeights.Initial(pooled);
        for (var round = 0; round < settings.Rounds; round++)
        {
            global = central.Fit(new FedAvg(pooled).ConfigureFit(round, global, [0])[0]).Weights;
        }
        var federated = FederatedWeights(settings, [one, one]);
        Assert.True(WorstRelative(federated.Values, global.Values) < 1e-4,
            $"largest relative difference {WorstRelative(federated.Values, global.Values):E2}");
        Assert.True(WorstRelative(federated.Values, global.Values) < 1e-4 && run.Rounds.All(r => double.IsFinite(r.MeanLoss)));
    }

    private static FlWeights FederatedWeights(FlSettings settings, InstituteData[] data)
    {
        var strategy = new FedAvg(settings);
        var trainers = data.Select((d, i) => new InstituteTrainer(settings, i, d)).ToArray();
        var global = FlWeights.Initial(settings);
        for (var round = 0; round < settings.Rounds; round++)
        {
            var results = strategy.ConfigureFit(round, global, [0, 1]).Select(f => trainers[f.Institute].Fit(f)).ToArray();
            global = strategy.AggregateFit(round, global, results);
        }
        foreach (var t in trainers)
        {
            t.Dispose();
        }
        return global;
    }

    [Fact]
    public void FedBN_never_sends_normalisation_parameters_and_keeps_them_trained_at_the_institute()
    {
        var settings = s_small with { Strategy = FlStrategyKind.FedBN, Optimizer = FlOptimizer.Adam, LearningRate = 1e-2 };
        var strategy = FlStrategies.Create(settings);
        var global = FlWeights.Initial(settings);
        var data = SyntheticVolumes.Institute(settings, 1);
        using var trainer = new InstituteTrainer(settings, 1, data);
        for (var round = 0; round < 2; round++)
        {
            var fits = strategy.ConfigureFit(round, global, [0, 1]);
            Assert.All(fits, f => Assert.DoesNotContain(f.Weights.Names, FlWeights.IsNormalisation));
            var result = trainer.Fit(fits[1]);
            Assert.DoesNotContain(result.Weights.Names, FlWeights.IsNormalisation);
            Assert.Contains(result.Weights.Names, n => n.StartsWith("enc1.conv1", StringComparison.Ordinal));
            global = strategy.AggregateFit(round, global, [result]);
            Assert.All(strategy.ConfigureEvaluate(round, global, [1]), e => Assert.DoesNotContain(e.Weights.Names, FlWeights.IsNormalisation));
        }
        // The server's normalisation parameters never moved from their start; the institute's did (so they were
        // trained, and kept there).
        var initialNorms = FlWeights.Initial(settings).Where(FlWeights.IsNormalisation);
        Assert.Equal(initialNorms.Values, global.Where(FlWeights.IsNormalisation).Values);
        var withLocalNorms = trainer.Measure(global.Where(n => !FlWeights.IsNormalisation(n)), data.Test);
        var withInitialNorms = trainer.Measure(global, data.Test);
        Assert.NotEqual(withLocalNorms.Loss, withInitialNorms.Loss);
    }

    [Fact]
    public void VFDA_running_statistics_match_a_direct_computation()
    {
        TorchRuntime.EnsureLoaded(1);
        const int channels = 3;
        const double momentum = 0.8;
        var statistics = FeatureStatistics.Empty(channels);
        var vfda = new VfdaAugmenter(statistics, probability: 0, momentum);
        vfda.Begin(1, 0, 0);
        var expectedMean = new double[channels];
        var expectedStd = new double[channels];
        var expectedMeanVar = new double[channels];
        var rng = new Random(3);
        for (var batch = 0; batch < 4; batch++)
        {
            // Two volumes of 3 channels and 2x3x4 voxels with channel-dependent offset and scale.
            var values = new float[2 * channels * 24];
            for (var i = 0; i < values.Length; i++)
            {
                var c = i / 24 % channels;
                values[i] = (float)(c + 1 + (c + 0.5) * (rng.NextDouble() - 0.5) + batch);
            }
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(values, [2, channels, 2, 3, 4]).clone();
            var y = vfda.Apply(0, x);
            // Probability 0: the features pass unchanged.
            Assert.Equal(values, y.data<float>().ToArray());
            for (var c = 0; c < channels; c++)
            {
                var mus = new double[2];
                var sigmas = new double[2];
                for (var v = 0; v < 2; v++)
                {
                    var block = values.Skip((v * channels + c) * 24).Take(24).Select(f => (double)f).ToArray();
                    mus[v] = block.Average();
                    sigmas[v] = Math.Sqrt(block.Select(b => (b - mus[v]) * (b - mus[v])).Average() + 1e-5);
                }
                var batchMean = mus.Average();
                expectedMean[c] = batch == 0 ? batchMean : momentum * expectedMean[c] + (1 - momentum) * batchMean;
                expectedStd[c] = batch == 0 ? sigmas.Average() : momentum * expectedStd[c] + (1 - momentum) * sigmas.Average();
                var spread = mus.Select(m => (m - expectedMean[c]) * (m - expectedMean[c])).Average();
                expectedMeanVar[c] = batch == 0 ? spread : momentum * expectedMeanVar[c] + (1 - momentum) * spread;
            }
            // Stages 1 and 2 unused here: count the batch as the network would.
            statistics.Updates++;
        }
        for (var c = 0; c < channels; c++)
        {
            Assert.Equal(expectedMean[c], statistics.Mean[0][c], 4);
            Assert.Equal(expectedStd[c], statistics.Std[0][c], 4);
            Assert.Equal(expectedMeanVar[c], statistics.MeanVariance[0][c], 4);
        }
        // What leaves the institute has no variances of its own.
        Assert.All(statistics.Shared().MeanVariance.SelectMany(r => r), v => Assert.Equal(0, v));
    }

    [Fact]
    public void The_servers_variance_across_institutes_is_the_sample_weighted_variance()
    {
        var a = FeatureStatistics.Empty(1);
        var b = FeatureStatistics.Empty(1);
        a.Mean[1][0] = 1.0;
        b.Mean[1][0] = 4.0;
        a.Std[2][3] = 2.0;
        b.Std[2][3] = 2.0;
        var variance = FeatureVariance.Across([(a, 1), (b, 2)]);
        // Weighted mean 3, weighted variance (1 * 4 + 2 * 1) / 3 = 2.
        Assert.Equal(2.0, variance.MeanVariance[1][0], 12);
        Assert.Equal(0.0, variance.StdVariance[2][3], 12);
    }

    [Fact]
    public void VFDA_moves_a_volumes_channel_statistics_to_the_drawn_ones()
    {
        TorchRuntime.EnsureLoaded(1);
        var statistics = FeatureStatistics.Empty(1);
        var vfda = new VfdaAugmenter(statistics, probability: 1, momentum: 0.9)
        {
            Inter = new FeatureVariance([[0.25]], [[0.01]]),
        };
        vfda.Begin(9, 1, 2);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn([1, 1, 4, 4, 4], generator: new torch.Generator(5));
        var y = vfda.Apply(0, x);
        var before = (Mean: x.mean().item<float>(), Std: x.std(unbiased: false).item<float>());
        var after = (Mean: y.mean().item<float>(), Std: y.std(unbiased: false).item<float>());
        // Moved, and still an affine image of the input: the correlation is 1.
        Assert.NotEqual(before.Mean, after.Mean, 3);
        var xc = x.data<float>().ToArray().Select(v => v - before.Mean).ToArray();
        var yc = y.data<float>().ToArray().Select(v => v - after.Mean).ToArray();
        var correlation = xc.Zip(yc, (p, q) => (double)p * q).Sum() / Math.Sqrt(xc.Sum(p => (double)p * p) * yc.Sum(q => (double)q * q));
        Assert.Equal(1.0, correlation, 4);
    }

    [Fact]
    public void A_run_is_the_same_bits_with_institutes_in_parallel_and_VFDA_FedAvg_learns()
    {
        var settings = new FlSettings(Institutes: 2, Side: 8, BaseChannels: 4, TrainVolumes: 4, TestVolumes: 2, Rounds: 3,
            Vfda: true, LearningRate: 1e-2);
        var serial = FlSimulation.Run(settings, parallelism: 1);
        // Institutes on two threads at once: the same bits as one after another.
        var parallel = FlSimulation.Run(settings, parallelism: 2);
        Assert.Equal(serial.WeightsSha256, parallel.WeightsSha256);
        Assert.Equal(serial.Rounds.Select(r => r.MeanDice), parallel.Rounds.Select(r => r.MeanDice));
        Assert.True(serial.Rounds[^1].MeanLoss < serial.Rounds[0].MeanLoss,
            $"loss {serial.Rounds[0].MeanLoss:F4} -> {serial.Rounds[^1].MeanLoss:F4}");
    }
}
