using System.Globalization;
using Dataflow.Kernels.Tune;

namespace Dataflow.Host;

/// <summary><c>dataflow tune apply</c>: installs the best record per task of a tuning log, so that the kernels of
/// later runs and hosts on this machine use them.</summary>
internal static class TuneApplyCommand
{
    private const string Usage = """
        usage: dataflow tune apply --log tune.jsonl [--out FILE]

        Reads a JSONL tuning log (what `dataflow run tune --log` writes), checks every line, prints the fastest
        record of each task and the kernels that will run it, and writes those records:
        - without --out, merged into this user's installed records (the faster record of a task wins), which
          every `dataflow run` and `dataflow host` started afterwards on this machine loads on first use of a
          tunable kernel (already running hosts keep what they loaded);
        - with --out FILE, to FILE alone: a process uses it when started with DATAFLOW_TUNE_LOG=FILE (which also
          overrides the installed records).

          --log FILE    the tuning log to read
          --out FILE    write the best records here instead of installing them

        example: dataflow tune apply --log tune.jsonl
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] != "apply")
        {
            throw new UsageException($"unknown tune command '{args[0]}'", Usage);
        }
        var o = new ParsedOptions(args[1..], ["log", "out"], [], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var log = o.String("log") ?? throw new UsageException("tune apply needs --log FILE", Usage);
        if (!File.Exists(log))
        {
            throw new UsageException($"--log {log}: no such file");
        }
        var records = TuneRecord.ReadLog(log);
        if (records.Count == 0)
        {
            throw new UsageException($"--log {log}: the log holds no records");
        }
        var best = TunedSchedules.Best(records);
        var target = o.String("out") ?? TunedSchedules.InstalledPath;
        var installed = o.String("out") is null && File.Exists(target) ? TuneRecord.ReadLog(target) : [];
        var merged = TunedSchedules.Best([.. installed, .. best]);

        var output = Console.Out;
        output.WriteLine(Invariant($"{log}: {records.Count} records of {best.Count} tasks"));
        output.WriteLine(Invariant($"  {"task",-40} {"best ms",9} {"n",4}  {"schedule",-28} {"node",-16} used by"));
        foreach (var r in best)
        {
            var n = records.Count(x => x.Task == r.Task);
            output.WriteLine(Invariant($"  {r.Task,-40} {r.MedianSeconds * 1e3,9:F4} {n,4}  {r.Schedule,-28} {r.Node,-16} {UsedBy(TuneTask.ParseKey(r.Task))}"));
        }
        var here = TuneRecord.DescribeMachine();
        foreach (var machine in best.Select(r => r.Machine).Distinct().Where(m => m != here))
        {
            output.WriteLine($"note: records measured on another kind of machine ({machine}); this one is {here}");
        }

        WriteAtomically(target, merged);
        if (o.String("out") is null)
        {
            var kept = merged.Count(m => installed.Contains(m));
            output.WriteLine(Invariant($"installed {merged.Count} task records in {target} ({kept} kept from before): runs and hosts started from now on use them"));
            if (Environment.GetEnvironmentVariable(TunedSchedules.EnvironmentVariable) is { Length: > 0 } overriding)
            {
                output.WriteLine($"note: {TunedSchedules.EnvironmentVariable}={overriding} is set here and overrides the installed records");
            }
        }
        else
        {
            output.WriteLine(Invariant($"wrote {merged.Count} task records to {target}: start runs and hosts with {TunedSchedules.EnvironmentVariable}={Path.GetFullPath(target)} to use them"));
        }
        return 0;
    }

    /// <summary>The kernels that run a record of <paramref name="task"/>.</summary>
    public static string UsedBy(TuneTask task) => task.Operator switch
    {
        TuneOperator.Dense => "TunedOperators.Dense",
        TuneOperator.Conv2d => "TunedOperators.Conv2d",
        TuneOperator.DepthwiseConv2d => "TunedOperators.DepthwiseConv2d",
        TuneOperator.Softmax => "TunedOperators.Softmax",
        TuneOperator.Reduction => Invariant(
            $"TunedOperators.RowSums; nqs local energies with {task.Shape[1] - 1} connected configurations (samples per task, threads)"),
        TuneOperator.LennardJonesPair => Invariant($"md lj/cut pair kernel, {task.Shape[0]} atoms, cutoff {task.Shape[1] / 10.0} sigma (minimum chunk)"),
        _ => "",
    };

    private static void WriteAtomically(string path, IEnumerable<TuneRecord> records)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.{Environment.ProcessId}.tmp";
        File.WriteAllLines(temp, records.Select(r => r.ToJsonLine()));
        File.Move(temp, full, overwrite: true);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
