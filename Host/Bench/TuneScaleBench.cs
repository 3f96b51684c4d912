using System.Diagnostics;
using System.Globalization;
using Dataflow.Tune;

namespace Dataflow.Host.Bench;

/// <summary>The <c>tunescale</c> section of <c>dataflow bench</c>: the same tuning job on one measurer host process
/// and on two, each process pinned to a core of its own, in measurements per second.</summary>
internal static class TuneScaleBench
{
    /// <summary>Runs <c>tune</c> on the CNN with <paramref name="budget"/> measurements on 1 and then 2 host
    /// processes and prints measurements per second, the nodes' shares and the ratio.</summary>
    public static async Task Measurers(TextWriter w, int budget = 320, int batchSize = 64)
    {
        var cores = Environment.ProcessorCount;
        w.WriteLine(Invariant($"== tuning measurers: one host process against two ({budget} measurements of the CNN, {batchSize} candidates a round, 5 timed repeats)"));
        w.WriteLine("  Each host process runs one measurer (and the first one the job's driver: its cost models and search) and is");
        w.WriteLine("  pinned with `taskset -a` to a core of its own (host i to core i), every thread it has and starts; schedules");
        w.WriteLine("  are limited to one thread (--threads 1), so one measurer times on one core and two measure at once on two.");
        if (cores < 2)
        {
            w.WriteLine("  skipped: this machine has one core");
            w.WriteLine();
            return;
        }
        var rates = new List<double>();
        var busiest = new List<double>();
        foreach (var count in new[] { 1, 2 })
        {
            using var hosts = new LocalHosts();
            for (var i = 0; i < count; i++)
            {
                await hosts.StartAsync(["--compute-threads", "1"]);
                if (Pin(hosts.ProcessId(i), i) is { } failure)
                {
                    w.WriteLine($"  skipped: {failure}");
                    w.WriteLine();
                    return;
                }
            }
            await using var client = await DataflowCluster.ConnectAsync(hosts.Seed);
            // A short job first: JIT, the cost-model library and the kernels' first calls are not measured.
            await client.RunAsync(Job.Tune().Model("cnn").Budget(24).BatchSize(12).MeasureRepeats(1).Threads(1).Seed(7).Build());
            var cpuBefore = Enumerable.Range(0, count).Select(i => CpuSeconds(hosts.ProcessId(i))).ToArray();
            var result = (await client.RunAsync(Job.Tune().Model("cnn").Budget(budget).BatchSize(batchSize).MeasureRepeats(5)
                .Threads(1).Seed(1).Build())).As<TuneResult>();
            var rate = result.Measurements / result.Seconds;
            rates.Add(rate);
            var cpu = Enumerable.Range(0, count).Select(i => CpuSeconds(hosts.ProcessId(i)) - cpuBefore[i]).ToArray();
            var shares = string.Join(", ", result.Nodes.Select(n => Invariant($"{n.Node}: {n.Measurements}")));
            busiest.Add(cpu.Max());
            var cpuText = string.Join(" + ", cpu.Select(c => c.ToString("F1", CultureInfo.InvariantCulture)));
            w.WriteLine(Invariant($"  {count} measurer process(es)  {result.Measurements,5} measurements in {result.Seconds,6:F1} s  {rate,7:F2} /s   CPU s {cpuText}  ({shares})"));
        }
        w.WriteLine(Invariant($"  two / one measurer processes: {rates[1] / rates[0]:F2}x the measurements per second (goal >= 1.6x)"));
        // Other work on the machine takes its share of each pinned core: the figures mean what they say only when the
        // load average, printed here, is well below the core count. The CPU seconds of the busiest process are what
        // its wall time would be with its core to itself (waits at the end of a round not counted).
        w.WriteLine(Invariant($"  load average at the end: {LoadAverage()} on {cores} cores"));
        w.WriteLine(Invariant($"  CPU seconds of the busiest process, one / two: {busiest[0] / busiest[1]:F2}x (the ratio on otherwise idle cores, less the waits)"));
        w.WriteLine();
    }

    // utime + stime of a process, in seconds (proc(5): fields 14 and 15, in clock ticks of 1/100 s on Linux).
    private static double CpuSeconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    // Every thread of the process (-a), and the threads they start inherit the mask.
    private static string? Pin(int processId, int core)
    {
        try
        {
            using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", core.ToString(CultureInfo.InvariantCulture),
                processId.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            taskset.WaitForExit();
            return taskset.ExitCode == 0 ? null : $"taskset -a -p -c {core} {processId} failed: {taskset.StandardError.ReadToEnd().Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"taskset (util-linux) is needed to pin the host processes: {e.Message}";
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
