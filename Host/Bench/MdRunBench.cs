using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Md;

namespace Dataflow.Host.Bench;

/// <summary><c>dataflow bench --only mdrun</c>: the md job itself on domain actors (embedded cluster): in.lj at 1 and 2
/// cores against LAMMPS measured in the same run, and ring balancing of a dense slab in a mostly empty box.</summary>
internal static class MdRunBench
{
    public static async Task RunAsync(TextWriter w)
    {
        w.WriteLine("== md on domain actors (`dataflow run md`, embedded cluster)");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        await InLj(w, cluster);
        w.WriteLine();
        await Slab(w, cluster);
    }

    private static async Task InLj(TextWriter w, DataflowCluster cluster)
    {
        var data = MdReferenceData.File("lj-32000.data.gz");
        w.WriteLine("in.lj: 32,000 LJ atoms, lj/cut 2.5, skin 0.3, lists every 20 steps, 100 NVE steps; best of 3 runs;");
        w.WriteLine("atom-steps/s over the run loop (setup excluded, as LAMMPS' Loop time)");
        var variants = new (string Label, string Domains, int Threads, int Cores)[]
        {
            ("1 domain, 1 thread", "1x1x1", 1, 1),
            ("1 domain, 2 threads", "1x1x1", 2, 2),
            ("2 domains (2x1x1), 1 thread each", "2x1x1", 1, 2),
        };
        var rows = new List<(string Label, int Cores, double Rate, string Hash)>();
        // Warm-up: compile every path.
        await cluster.RunAsync(Job.Md().Data(MdReferenceData.File("lj-500.data")).Steps(20).RebuildEvery(10).Domains("2x1x1").Build());
        foreach (var (label, domains, threads, cores) in variants)
        {
            var best = 0.0;
            var hash = "";
            for (var round = 0; round < 3; round++)
            {
                var job = Job.Md().Data(data).Pair("lj/cut", 2.5).Skin(0.3).RebuildEvery(20).Steps(100).Thermo(0)
                    .Domains(domains).ThreadsPerDomain(threads).Build();
                var result = (await cluster.RunAsync(job)).As<MdResult>();
                best = Math.Max(best, result.AtomStepsPerSecond);
                hash = result.StateSha256;
            }
            rows.Add((label, cores, best, hash));
        }
        var lammps = new List<(string Label, int Cores, double Rate)>();
        foreach (var processes in new[] { 1, 2 })
        {
            var seconds = MdBenchmark.LammpsLoopSeconds(processes, out var problem);
            if (seconds is { } s)
            {
                lammps.Add((processes == 1 ? "lmp -in in.lj" : "mpirun -np 2 lmp -in in.lj", processes, 32000 * 100 / s));
            }
            else
            {
                w.WriteLine($"LAMMPS with {processes} process(es) not measured: {problem}");
            }
        }
        var serial = lammps.FirstOrDefault(l => l.Cores == 1).Rate;
        w.WriteLine(Invariant($"{"variant",-36} {"cores",5} {"atom-steps/s",14} {"vs lmp serial",14} {"vs LAMMPS same cores",21}"));
        foreach (var (label, cores, rate, _) in rows)
        {
            var same = lammps.FirstOrDefault(l => l.Cores == cores).Rate;
            w.WriteLine(Invariant($"{label,-36} {cores,5} {rate,14:E3} {Ratio(rate, serial),14} {Ratio(rate, same),21}"));
        }
        foreach (var (label, cores, rate) in lammps)
        {
            w.WriteLine(Invariant($"{label,-36} {cores,5} {rate,14:E3} {Ratio(rate, serial),14} {"",21}"));
        }
        w.WriteLine(rows.Select(r => r.Hash).Distinct().Count() == 1
            ? $"final state identical in all variants (sha256 {rows[0].Hash[..16]}...)"
            : "final states DIFFER between variants");
    }

    private static async Task Slab(TextWriter w, DataflowCluster cluster)
    {
        // 16 x 16 x 16 fcc cells at rho 0.8442 (16,384 atoms) in a box 64 cells long: the slab fills a quarter.
        var system = FccLattice.Create(16, 16, 16, 0.8442, 64, 0.7, 4711);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        LammpsDataWriter.Write(text, system);
        var data = text.ToString();
        w.WriteLine(Invariant($"dense slab: {system.AtomCount} LJ atoms (fcc 0.8442, T 0.7) filling a quarter of the box along x, 4x1x1 domains,"));
        w.WriteLine("1 thread each, 400 steps, lists every 10, balancing every 20; imbalance = max / mean domain CPU time per step");
        w.WriteLine(Invariant($"{"balance",-8} {"imbalance first",16} {"imbalance last",15} {"atom-steps/s",14} {"speed-up",9}"));
        double? unbalanced = null;
        foreach (var balance in new[] { "none", "ring" })
        {
            var job = Job.Md().DataText(data, "slab").Pair("lj/cut", 2.5).Skin(0.3).RebuildEvery(10).Steps(400).Thermo(100)
                .Domains("4x1x1").ThreadsPerDomain(1).Balance(balance, 20).Build();
            var result = (await cluster.RunAsync(job)).As<MdResult>();
            var history = result.ImbalanceHistory;
            unbalanced ??= result.AtomStepsPerSecond;
            w.WriteLine(Invariant(
                $"{balance,-8} {history[0].Imbalance,16:F2} {history[^1].Imbalance,15:F2} {result.AtomStepsPerSecond,14:E3} {result.AtomStepsPerSecond / unbalanced.Value,8:F2}x"));
            w.WriteLine("  imbalance by step: " + string.Join(" ", history.Select(h => Invariant($"{h.Step}:{h.Imbalance:F2}"))));
        }
    }

    private static string Ratio(double value, double baseline) => baseline > 0 ? Invariant($"{value / baseline:F2}x") : "";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
