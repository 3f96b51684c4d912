using System.Diagnostics;
using System.Globalization;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using Dataflow.Train;

namespace Dataflow.Host.Bench;

/// <summary>The <c>train</c> sections of <c>dataflow bench</c>: the reduction's overhead and one host process against two.</summary>
internal static class TrainBench
{
    private static TrainJob BenchJob(int steps, TrainReduction reduction, TrainModelKind model = TrainModelKind.Mlp) =>
        Job.Train().Model(model).LogicalWorkers(8).Steps(steps).Seed(3).BatchPerWorker(64)
            .CheckpointEvery(steps).Reduction(reduction).Build();

    public static async Task Reduction(TextWriter w, int steps)
    {
        w.WriteLine("== gradient reduction (embedded cluster, MLP, 8 logical workers, batch 64)");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        // Warm-up, then alternate the two modes so drift of the machine hits both alike.
        // Tiered JIT and the first torch calls settle over the first few hundred steps: warm both modes up.
        await cluster.RunAsync(BenchJob(steps, TrainReduction.LogicalOrder));
        await cluster.RunAsync(BenchJob(steps, TrainReduction.ArrivalOrder));
        var logical = new List<double>();
        var arrival = new List<double>();
        for (var round = 0; round < 8; round++)
        {
            // Alternate which mode runs first, so a trend over the rounds does not favour either.
            if (round % 2 == 0)
            {
                logical.Add(await StepsPerSecond(cluster, BenchJob(steps, TrainReduction.LogicalOrder)));
                arrival.Add(await StepsPerSecond(cluster, BenchJob(steps, TrainReduction.ArrivalOrder)));
            }
            else
            {
                arrival.Add(await StepsPerSecond(cluster, BenchJob(steps, TrainReduction.ArrivalOrder)));
                logical.Add(await StepsPerSecond(cluster, BenchJob(steps, TrainReduction.LogicalOrder)));
            }
        }
        var l = Median(logical);
        var a = Median(arrival);
        w.WriteLine(Invariant($"  logical order (deterministic)  {l,8:F1} steps/s   (median of {logical.Count}: {string.Join(" ", logical.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})"));
        w.WriteLine(Invariant($"  arrival order (baseline)       {a,8:F1} steps/s   ({string.Join(" ", arrival.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})"));
        // Rounds are paired (same machine state): the overhead is the median of the per-round ratios.
        var overhead = Median(logical.Zip(arrival, (x, y) => y / x - 1).ToList());
        w.WriteLine(Invariant($"  overhead of logical order      {overhead * 100,8:F1} %   (median of per-round ratios; goal < 5 %)"));
        var (logicalMicros, arrivalMicros) = ReductionMicroseconds();
        w.WriteLine(Invariant($"  the reductions alone           {logicalMicros,8:F1} us logical vs {arrivalMicros:F1} us arrival per step ({1e6 / l:F0} us per step)"));
        w.WriteLine();
    }

    /// <summary>Time of one step's reduction of 8 MLP gradients, in logical order and in arrival order.</summary>
    private static (double Logical, double Arrival) ReductionMicroseconds()
    {
        var settings = BenchJob(1, TrainReduction.LogicalOrder).Spec.Settings;
        var count = TrainModels.ParameterCount(settings.Model);
        var state = LogicalWorkerState.Initial(settings, 0);
        var gradients = Enumerable.Range(0, settings.LogicalWorkers)
            .Select(w => new WorkerGradient(w, Enumerable.Range(0, count).Select(i => (float)Math.Sin(i + w)).ToArray(), 1, 1,
                state with { WorkerId = w }))
            .ToArray();
        const int repeats = 2000;
        var sw = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++)
        {
            GradientReduction.MeanInLogicalOrder(gradients);
        }
        var logical = sw.Elapsed.TotalMicroseconds / repeats;
        sw.Restart();
        for (var r = 0; r < repeats; r++)
        {
            var acc = new ArrivalOrderAccumulator(count);
            foreach (var g in gradients)
            {
                acc.Add(g);
            }
            acc.Mean();
        }
        return (logical, sw.Elapsed.TotalMicroseconds / repeats);
    }

    public static async Task Hosts(TextWriter w, int steps)
    {
        // A CNN step (8 workers x 64 images) is enough work per step for a second process to pay for its messages.
        w.WriteLine("== host processes (CNN, 8 logical workers, batch 64, one compute thread per host)");
        var rates = new List<double>();
        foreach (var count in new[] { 1, 2 })
        {
            using var hosts = new LocalHosts();
            for (var i = 0; i < count; i++)
            {
                await hosts.StartAsync(["--compute-threads", "1"]);
            }
            await using var client = await DataflowCluster.ConnectAsync(hosts.Seed);
            await client.RunAsync(BenchJob(5, TrainReduction.LogicalOrder, TrainModelKind.Cnn));
            var rate = await StepsPerSecond(client, BenchJob(steps / 3, TrainReduction.LogicalOrder, TrainModelKind.Cnn));
            rates.Add(rate);
            w.WriteLine(Invariant($"  {count} host process(es)            {rate,8:F1} steps/s"));
        }
        w.WriteLine(Invariant($"  speed-up two vs one             {rates[1] / rates[0],8:F2} x"));
        w.WriteLine(Invariant($"  ceiling on this machine         {ParallelCeiling(),8:F2} x   (two gradient loops on two threads vs one, no messaging)"));
        w.WriteLine();
    }

    /// <summary>How much faster two concurrent gradient loops run than one: the best two hosts can do here.</summary>
    private static double ParallelCeiling()
    {
        var settings = BenchJob(1, TrainReduction.LogicalOrder, TrainModelKind.Cnn).Spec.Settings;
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        var state = TrainLoop.Initial(settings);
        double Rate(int threads)
        {
            const int perThread = 60;
            var workers = Enumerable.Range(0, threads).Select(_ => new GradientWorker(settings)).ToArray();
            try
            {
                foreach (var gw in workers)
                {
                    gw.Compute(state.Parameters, state.Workers[0]);
                }
                var sw = Stopwatch.StartNew();
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    for (var i = 0; i < perThread; i++)
                    {
                        workers[t].Compute(state.Parameters, state.Workers[i % state.Workers.Length]);
                    }
                });
                return threads * perThread / sw.Elapsed.TotalSeconds;
            }
            finally
            {
                foreach (var gw in workers)
                {
                    gw.Dispose();
                }
            }
        }
        return Rate(2) / Rate(1);
    }

    private static async Task<double> StepsPerSecond(DataflowCluster cluster, TrainJob job)
    {
        var sw = Stopwatch.StartNew();
        await cluster.RunAsync(job);
        return job.Spec.Steps / sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
