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
        // Sized to finish in minutes on two loaded cores: 16^3 volumes, 4 training and 2 held-out volumes per institute.
        var baseSettings = new FlSettings(Rounds: rounds, TrainVolumes: 4, TestVolumes: 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
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
        w.WriteLine(Invariant($"  (table: {clock.Elapsed.TotalSeconds:F0} s)"));

        // Round time through the actors: 4 institutes on 2 host processes (2 each; the institutes of one process take
        // turns on libtorch, so a round holds at least 2 local epochs in series on each host).
        var timing = baseSettings with { Rounds = 4 };
        using var hosts = new LocalHosts();
        for (var i = 0; i < 2; i++)
        {
            await hosts.StartAsync();
        }
        await using var client = await DataflowCluster.ConnectAsync(hosts.Seed);
        var result = (await client.RunAsync(Job.Fl().Settings(_ => timing).Build())).As<FlResult>();
        // Round 1 loads libtorch and builds the data; rounds 2-4 are the steady state.
        var steady = result.History.Skip(1).ToArray();
        var round = steady.Average(h => h.Seconds);
        var slowest = steady.Average(h => h.SlowestLocalSeconds);
        // Two hosts share the four local epochs: half their sum is the least training time a round can hold.
        var series = steady.Average(h => h.LocalSeconds.Sum(s => s ?? 0)) / 2;
        w.WriteLine(Invariant($"  round time, 4 institutes on 2 host processes (rounds 2-4): {round:F2} s; slowest institute's local epoch {slowest:F2} s; ratio {round / slowest:F2} x (goal < 2)"));
        w.WriteLine(Invariant($"    local training per host (half the institutes' summed epochs, 2 in series on each host): {series:F2} s ({series / slowest:F2} x the slowest epoch); the other {round - series:F2} s ({(round - series) / round:P0}) are evaluation, aggregation and messaging"));
        w.WriteLine();
    }

    private static double Federated(FlSettings settings) => FlSimulation.Run(settings, parallelism: 2).MeanDice;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
