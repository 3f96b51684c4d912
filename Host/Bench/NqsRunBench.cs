using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Dataflow.Nqs;

namespace Dataflow.Host.Bench;

/// <summary><c>dataflow bench --only nqs|nqsrun</c>: local-energy throughput and evaluator processes, and the wall
/// time of <c>run nqs</c> with its defaults on the bundled molecules.</summary>
internal static class NqsRunBench
{
    /// <summary>Connected elements per second of the local-energy modes on the same samples, side by side.</summary>
    public static void LocalEnergyThroughput(TextWriter w, string molecule = "n2", int repeats = 3)
    {
        var options = new VmcOptions();
        TorchRuntime.EnsureLoaded(options.Threads);
        var localEnergy = LocalEnergy.FromFcidump(options.Arrange(BundledMolecules.Load(molecule)));
        // A spread-out model, as in early iterations: many unique samples and many unsampled neighbours.
        using var model = new TransformerWavefunction(localEnergy.Space, options.Model with { InitStd = 0.4 }, options.Seed);
        var samples = new AutoregressiveSampler(model, new SamplerOptions { Samples = 100_000, Seed = options.Seed }).Sample();
        w.WriteLine(Invariant($"== NQS local energy, {molecule}: {samples.Unique} unique samples of 1e5, one thread, best of {repeats}"));
        w.WriteLine("mode                          connected  inferred   ms      elements/s   vs sample-space");
        var rows = new List<(string Name, LocalEnergyResult Result, double Seconds)>();
        foreach (var (name, mode, evaluator) in new (string, LocalEnergyMode, IWavefunctionEvaluator?)[]
        {
            ("sample-space", LocalEnergyMode.SampleSpace, null),
            ("exact, prefix-tree inference", LocalEnergyMode.Exact, new PrefixTreeEvaluator(model)),
            ("exact, full forward passes", LocalEnergyMode.Exact, new TransformerEvaluator(model)),
        })
        {
            var best = double.MaxValue;
            LocalEnergyResult? result = null;
            for (var r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                result = localEnergy.Compute(samples, evaluator, mode);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            rows.Add((name, result!, best));
        }
        var baseline = rows[0].Result.ConnectedElements / rows[0].Seconds;
        foreach (var (name, result, seconds) in rows)
        {
            var rate = result.ConnectedElements / seconds;
            w.WriteLine(Invariant($"{name,-29} {result.ConnectedElements,9} {result.Inferred,9} {seconds * 1e3,7:F1} {rate,14:E3} {rate / baseline,10:F2}x"));
        }
        var exact = rows[1].Result.RealHartree;
        var forward = rows[2].Result.RealHartree;
        var largest = exact.Zip(forward, (a, b) => Math.Abs(a - b)).Max();
        w.WriteLine(Invariant($"prefix-tree and full-forward local energies differ by at most {largest:E2} Ha"));
        // The README's speed figure for the prefix tree is this ratio, measured in one run on the same samples.
        w.WriteLine(Invariant($"prefix-tree inference against full forward passes: {rows[2].Seconds / rows[1].Seconds:F2}x faster ({molecule}, same samples)"));
        w.WriteLine();
    }

    /// <summary>Iterations of N2 (local energy dominated) on one host process against two, one evaluator each.</summary>
    public static async Task EvaluatorProcesses(TextWriter w, int iterations = 12)
    {
        w.WriteLine(Invariant($"== NQS evaluator processes: n2, {iterations} AdamW iterations, 4 logical samplers, one evaluator per host process, one compute and one libtorch thread each"));
        // AdamW throughout: its gradient is divided among the evaluators, a reconfiguration step is solved at the driver.
        // One libtorch thread for gradients too, so one process does not already use both cores.
        var job = Job.Nqs().Fcidump(BundledMolecules.Path("n2")).Iterations(iterations).Seed(1).Workers(4, 0).Optimizer("adamw")
            .IntraOpThreads(1, 1).Build();
        var results = new List<NqsResult>();
        foreach (var count in new[] { 1, 2 })
        {
            using var hosts = new LocalHosts();
            for (var i = 0; i < count; i++)
            {
                await hosts.StartAsync(["--compute-threads", "1"]);
            }
            await using var client = await DataflowCluster.ConnectAsync(hosts.Seed);
            await client.RunAsync(Job.Nqs().Fcidump(BundledMolecules.Path("h2")).Iterations(3).Workers(4, 0).Build());
            var result = (await client.RunAsync(job)).As<NqsResult>();
            results.Add(result);
            w.WriteLine(Invariant($"  {count} host process(es)   {result.Seconds,7:F1} s   {result.Seconds / iterations,6:F2} s/iteration"));
        }
        w.WriteLine(Invariant($"  speed-up two vs one      {results[0].Seconds / results[1].Seconds,7:F2} x"));
        var same = results[0].History.Select(h => h.Energy).SequenceEqual(results[1].History.Select(h => h.Energy));
        w.WriteLine(same ? "  identical energy histories on one and two processes" : "WARNING: the energy histories differ");
        w.WriteLine();
    }

    /// <summary>`run nqs` with its defaults on each molecule (embedded cluster): error against FCI and wall time.</summary>
    public static async Task Molecules(TextWriter w, IEnumerable<string> molecules)
    {
        w.WriteLine("== `run nqs` defaults on the bundled molecules (embedded cluster)");
        w.WriteLine("molecule  iterations  E_vmc (Ha)        E_FCI (Ha)        error (mHa)  within 1.6 mHa  seconds");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        foreach (var name in molecules)
        {
            var fci = BundledMolecules.Reference(name).FciEnergyHartree;
            var result = (await cluster.RunAsync(Job.Nqs().Fcidump(BundledMolecules.Path(name)).Reference(fci).Build())).As<NqsResult>();
            var error = (result.Energy - fci) * 1e3;
            w.WriteLine(Invariant(
                $"{name,-8}  {result.Iterations,10}  {result.Energy,15:F8}  {fci,15:F8}  {error,11:F3}  {(Math.Abs(error) < 1.6 ? "yes" : "no"),14}  {result.Seconds,7:F1}"));
            w.Flush();
        }
        w.WriteLine();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
