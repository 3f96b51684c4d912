using System.Globalization;
using Dataflow.Fl;
using Dataflow.Kernels.Fl;

namespace Dataflow.Host.Bench;

/// <summary>The <c>fl</c> section of <c>dataflow bench</c>: the held-out Dice table of the strategies with and without
/// VFDA between local-only training and centralised training, and the round time against the slowest local epoch.</summary>
internal static class FlBench
{
    private static readonly long[] s_seeds = [1, 2, 3];

    /// <summary>Writes the section; <paramref name="rounds"/> federated rounds per run.</summary>
    public static async Task Run(TextWriter w, int rounds)
    {
        var baseSettings = new FlSettings(Rounds: rounds);
        w.WriteLine(Invariant($"== fl held-out Dice (4 synthetic non-iid institutes, {baseSettings.Side}^3 voxels, U-Net {baseSettings.BaseChannels} base channels, {baseSettings.TrainVolumes} train / {baseSettings.TestVolumes} test volumes each, {rounds} rounds x {baseSettings.LocalEpochs} epoch, Adam {baseSettings.LearningRate}; in-process simulation through the same strategies and institute trainers as the actors; mean over seeds {string.Join(",", s_seeds)} +- sample standard deviation)"));
        (string Name, Func<long, double> Dice)[] rows =
        [
            ("local-only", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.LocalOnly })),
            ("fedavg", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.FedAvg })),
            ("fedavg + vfda", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.FedAvg, Vfda = true })),
            ("fedprox", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.FedProx })),
            ("fedprox + vfda", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.FedProx, Vfda = true })),
            ("fedbn", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.FedBN })),
            ("fedbn + vfda", seed => Federated(baseSettings with { Seed = seed, Strategy = FlStrategyKind.FedBN, Vfda = true })),
            ("centralised", seed => FlSimulation.Centralised(baseSettings with { Seed = seed }).MeanDice),
        ];
        var means = new Dictionary<string, double>();
        foreach (var (name, dice) in rows)
        {
            var values = s_seeds.Select(dice).ToArray();
            var mean = values.Average();
            var spread = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
            means[name] = mean;
            w.WriteLine(Invariant($"  {name,-16} Dice {mean,7:F4} +- {spread:F4}   (seeds: {string.Join(" ", values.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))})"));
        }
        foreach (var strategy in new[] { "fedavg", "fedprox", "fedbn" })
        {
            w.WriteLine(Invariant($"  VFDA on {strategy,-8} {means[strategy + " + vfda"] - means[strategy],+8:F4} Dice (goal > 0)"));
        }

        // Round time through the actors: an embedded cluster (one process), 4 institutes.
        var timing = baseSettings with { Rounds = 3 };
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var result = (await cluster.RunAsync(Job.Fl().Settings(_ => timing).Build())).As<FlResult>();
        var round = result.History.Skip(1).Average(h => h.Seconds);
        var slowest = result.History.Skip(1).Average(h => h.SlowestLocalSeconds);
        w.WriteLine(Invariant($"  round time (embedded cluster, 4 institute actors on the compute dispatcher, rounds 2-3): {round:F2} s; slowest institute's local epoch {slowest:F2} s; ratio {round / slowest:F2} x (goal < 2; the rest is evaluation, aggregation and messaging)"));
        w.WriteLine();
    }

    private static double Federated(FlSettings settings) => FlSimulation.Run(settings, parallelism: 2).MeanDice;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
