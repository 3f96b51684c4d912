using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dataflow.Actors.Md;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Script;
using Dataflow.Md;

namespace Dataflow.Host.Bench;

/// <summary><c>dataflow bench --only spce</c>: SPC/E water as LAMMPS' examples/rdf-adf/in.spce runs it (4500 atoms,
/// SHAKE, fix nvt, PPPM 1e-6; Kernels/Md/Reference/in.spce-bench, 50 steps) through <c>dataflow md</c>'s script path on
/// 1 and 2 cores, against <c>lmp</c> and <c>mpirun -np 2 lmp</c> on the same script in the same run.</summary>
internal static partial class SpceBench
{
    private const int Atoms = 4500;
    private const int Steps = 50;

    public static async Task RunAsync(TextWriter w)
    {
        w.WriteLine("== SPC/E water (examples/rdf-adf/in.spce: SHAKE, fix nvt, PPPM 1e-6, table 0), 4500 atoms, 50 steps;");
        w.WriteLine("atom-steps/s over the run loop (setup excluded, as LAMMPS' Loop time); best of 2 runs");
        var script = MdReferenceData.File("in.spce-bench");
        var directory = Path.GetDirectoryName(script)!;
        var run = new ScriptInterpreter(File.ReadAllText(script), "in.spce-bench", directory, [], dry: false).Execute().First();
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var variants = new (string Label, string Domains, int Threads, int Cores)[]
        {
            ("dataflow md, 1 domain, 1 thread", "1x1x1", 1, 1),
            ("dataflow md, 1 domain, 2 threads", "1x1x1", 2, 2),
            ("dataflow md, 2 domains, 1 thread each", "2x1x1", 1, 2),
        };
        var rows = new List<(string Label, int Cores, double Rate, string Hash)>();
        foreach (var (label, domains, threads, cores) in variants)
        {
            var best = 0.0;
            var hash = "";
            for (var round = 0; round < 2; round++)
            {
                var result = (await cluster.RunAsync(new MdJob(MdScriptCommand.Spec(run, domains, threads, null)))).As<MdResult>();
                best = Math.Max(best, result.AtomStepsPerSecond);
                hash = result.StateSha256;
            }
            rows.Add((label, cores, best, hash));
        }
        var lammps = new List<(string Label, int Cores, double Rate)>();
        foreach (var processes in new[] { 1, 2 })
        {
            var seconds = LammpsSeconds(processes, out var problem);
            if (seconds is { } s)
            {
                lammps.Add((processes == 1 ? "lmp -in in.spce-bench" : "mpirun -np 2 lmp -in in.spce-bench", processes, Atoms * Steps / s));
            }
            else
            {
                w.WriteLine($"LAMMPS with {processes} process(es) not measured: {problem}");
            }
        }
        var serial = lammps.FirstOrDefault(l => l.Cores == 1).Rate;
        w.WriteLine(Invariant($"{"variant",-40} {"cores",5} {"atom-steps/s",14} {"vs lmp serial",14} {"vs LAMMPS same cores",21}"));
        foreach (var (label, cores, rate, _) in rows)
        {
            var same = lammps.FirstOrDefault(l => l.Cores == cores).Rate;
            w.WriteLine(Invariant($"{label,-40} {cores,5} {rate,14:E3} {Ratio(rate, serial),14} {Ratio(rate, same),21}"));
        }
        foreach (var (label, cores, rate) in lammps)
        {
            w.WriteLine(Invariant($"{label,-40} {cores,5} {rate,14:E3} {Ratio(rate, serial),14} {"",21}"));
        }
        w.WriteLine(rows.Select(r => r.Hash).Distinct().Count() == 1
            ? $"final state identical in all dataflow variants (sha256 {rows[0].Hash[..16]}...)"
            : "final states DIFFER between variants");
    }

    // Best loop time of two lmp runs of in.spce-bench (with mpirun -np 2 for two processes), or null with the reason.
    private static double? LammpsSeconds(int processes, out string? problem)
    {
        string? Find(string name) =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, name)).FirstOrDefault(File.Exists);
        var lmp = Find("lmp");
        var mpirun = processes > 1 ? Find("mpirun") : null;
        if (lmp is null || (processes > 1 && mpirun is null))
        {
            problem = lmp is null ? "lmp is not on the PATH (Debian: apt-get install lammps)" : "mpirun is not on the PATH";
            return null;
        }
        var directory = Directory.CreateTempSubdirectory("dataflow-spce-bench-");
        try
        {
            foreach (var name in new[] { "in.spce-bench", "data.spce" })
            {
                File.Copy(MdReferenceData.File(name), Path.Combine(directory.FullName, name));
            }
            double? best = null;
            for (var round = 0; round < 2; round++)
            {
                var start = MdBenchmark.LammpsStart(lmp, mpirun, directory.FullName, "-log", "none", "-in", "in.spce-bench");
                using var process = Process.Start(start)!;
                var stderr = process.StandardError.ReadToEndAsync();
                var stdout = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                var match = LoopTime().Match(stdout);
                if (process.ExitCode != 0 || !match.Success)
                {
                    problem = $"lmp failed (exit {process.ExitCode}): {stderr.Result.Trim()}";
                    return null;
                }
                best = Math.Min(best ?? double.MaxValue, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            problem = null;
            return best;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"Loop time of ([0-9.eE+-]+) on")]
    private static partial Regex LoopTime();

    private static string Ratio(double value, double baseline) => baseline > 0 ? Invariant($"{value / baseline:F2}x") : "";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
