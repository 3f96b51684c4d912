using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Serialization;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using Dataflow.Train;

namespace Dataflow.Host;

/// <summary><c>dataflow bench</c>: measurements printed side by side, each against a baseline from the same run.</summary>
internal static class BenchCommand
{
    private const string Usage = """
        usage: dataflow bench [--only reduction|hosts|serialization|kernels|fci|nqs|nqsrun|md|mdrun|longrange] [--steps S]
                              [--molecules h2,lih,h2o,n2]

        Prints, measured in one run:
          reduction      train steps/s with the deterministic logical-order reduction vs arrival order
          hosts          train steps/s on one host process vs two
          serialization  MessagePack vs Akka's default serializer on a 1M-float gradient message
          kernels        an ILGPU kernel by direct CPU dispatch and on ILGPU's CPU accelerator vs a plain loop
          fci            full CI of the bundled molecules: wall time and the difference to Psi4
          nqs            NQS: samples per second with and without the KV cache; local-energy connected elements
                         per second, exact against sample-space; one evaluator host process against two
          nqsrun         `run nqs` with its defaults on the bundled molecules (--molecules): error and wall time
          md             LJ (LAMMPS bench/in.lj, 32,000 atoms): atom-steps per second on 1 and 2 threads, and lmp
          mdrun          `run md` on domain actors: in.lj on 1 and 2 cores against lmp and mpirun -np 2, and ring
                         balancing of a dense slab (imbalance and atom-steps/s with and without)
          longrange      the 3-D FFT against FFTW, and Ewald/PPPM timings
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args, ["only", "steps", "molecules"], [], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var only = o.String("only");
        var steps = o.Int("steps", 150);
        var w = Console.Out;
        if (only is null or "reduction")
        {
            await Reduction(w, 2 * steps);
        }
        if (only is null or "hosts")
        {
            await Hosts(w, steps);
        }
        if (only is null or "serialization")
        {
            Serialization(w);
        }
        if (only is null or "kernels")
        {
            w.WriteLine("== ILGPU kernel backends");
            ComputeBenchmark.Run(w);
            w.WriteLine();
        }
        if (only is null or "fci")
        {
            await Fci(w);
        }
        if (only is null or "nqs")
        {
            w.WriteLine("== NQS autoregressive sampling (KV cache against recomputing the prefix)");
            Kernels.Nqs.NqsBenchmark.Run(w);
            w.WriteLine();
            Bench.NqsRunBench.LocalEnergyThroughput(w);
            await Bench.NqsRunBench.EvaluatorProcesses(w);
        }
        if (only is null or "nqsrun")
        {
            var molecules = (o.String("molecules") ?? string.Join(",", Kernels.Quantum.BundledMolecules.Names))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var m in molecules)
            {
                if (!Kernels.Quantum.BundledMolecules.Names.Contains(m))
                {
                    throw new UsageException($"--molecules: unknown molecule '{m}' (bundled: {string.Join(", ", Kernels.Quantum.BundledMolecules.Names)})", Usage);
                }
            }
            await Bench.NqsRunBench.Molecules(w, molecules);
        }
        if (only is null or "md")
        {
            w.WriteLine("== molecular dynamics, Lennard-Jones");
            Kernels.Md.MdBenchmark.Run(w);
            w.WriteLine();
        }
        if (only is null or "mdrun")
        {
            await Bench.MdRunBench.RunAsync(w);
            w.WriteLine();
        }
        if (only is null or "longrange")
        {
            w.WriteLine("== long-range electrostatics");
            Kernels.Md.LongRange.LongRangeBenchmark.Run(w);
            w.WriteLine();
        }
        return 0;
    }

    private static TrainJob BenchJob(int steps, TrainReduction reduction, TrainModelKind model = TrainModelKind.Mlp) =>
        Job.Train().Model(model).LogicalWorkers(8).Steps(steps).Seed(3).BatchPerWorker(64)
            .CheckpointEvery(steps).Reduction(reduction).Build();

    private static async Task Reduction(TextWriter w, int steps)
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

    private static async Task Hosts(TextWriter w, int steps)
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

    private static async Task Fci(TextWriter w)
    {
        w.WriteLine("== full CI of the bundled STO-3G molecules (embedded cluster), against Psi4");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        foreach (var name in Kernels.Quantum.BundledMolecules.Names)
        {
            var reference = Kernels.Quantum.BundledMolecules.Reference(name);
            var job = Job.Fci().Fcidump(Kernels.Quantum.BundledMolecules.Path(name)).Reference(reference.FciEnergyHartree).Build();
            var sw = Stopwatch.StartNew();
            var r = (await cluster.RunAsync(job)).As<Fci.FciResult>();
            w.WriteLine(Invariant($"  {name,-4} {r.Dimension,8} determinants  E {r.Energy,18:F10} Ha  Psi4 diff {r.Error,9:E1} Ha  {sw.Elapsed.TotalSeconds,6:F2} s"));
        }
        w.WriteLine();
    }

    private static void Serialization(TextWriter w)
    {
        w.WriteLine("== serialization of a 1M-float gradient message");
        using var system = ActorSystem.Create("bench", DataflowNode.LoadConfig(new NodeOptions()));
        var state = LogicalWorkerState.Initial(new TrainSettings(TrainModelKind.Mlp, 4, 1), 0);
        var gradient = Enumerable.Range(0, 1_000_000).Select(i => (float)Math.Sin(i)).ToArray();
        var message = new TrainGradients("job", 1, 7, "127.0.0.1:4053", [new WorkerGradient(0, gradient, 0.5, 64, state)], 0.01);
        var msgpack = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(message);
        var manifest = msgpack.Manifest(message);
        var akkaDefault = system.Serialization.FindSerializerForType(typeof(object));

        var (mpBytes, mpRate) = RoundTrips(() => msgpack.ToBinary(message), b => msgpack.FromBinary(b, manifest));
        var (defBytes, defRate) = RoundTrips(() => akkaDefault.ToBinary(message), b => akkaDefault.FromBinary(b, typeof(TrainGradients)));
        w.WriteLine(Invariant($"  MessagePack (id {msgpack.Identifier})        {mpBytes,12:N0} bytes  {mpRate,8:F1} round trips/s"));
        w.WriteLine(Invariant($"  Akka default ({akkaDefault.GetType().Name}) {defBytes,12:N0} bytes  {defRate,8:F2} round trips/s"));
        w.WriteLine(Invariant($"  ratio                          {(double)defBytes / mpBytes,12:F2} x smaller  {mpRate / defRate,8:F1} x faster"));
        w.WriteLine();
    }

    private static (long Bytes, double PerSecond) RoundTrips(Func<byte[]> serialize, Func<byte[], object> deserialize)
    {
        var bytes = serialize();
        deserialize(bytes);
        var n = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(2) || n < 3)
        {
            deserialize(serialize());
            n++;
        }
        return (bytes.Length, n / sw.Elapsed.TotalSeconds);
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
