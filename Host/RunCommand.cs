using System.Runtime.InteropServices;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary><c>dataflow run &lt;workload&gt;</c>: builds the job with the workload's options, runs it embedded or on
/// <c>--cluster</c>, shows progress, prints a summary and writes <c>--json</c>.</summary>
internal static class RunCommand
{
    private static readonly string s_usage = $"""
        usage: dataflow run <workload> [options] [--cluster HOST:PORT] [--json FILE] [--quiet]

        workloads: {string.Join(", ", Workloads.Names)}
        'dataflow run <workload> --help' lists a workload's options.
        """;

    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(s_usage);
            return Task.FromResult(args.Length == 0 ? 2 : 0);
        }
        return args[0] switch
        {
            "train" => TrainCommand.RunAsync(args[1..]),
            "fci" => FciCommand.RunAsync(args[1..]),
            "md" => MdCommand.RunAsync(args[1..]),
            "nqs" => NqsCommand.RunAsync(args[1..]),
            _ => throw new UsageException($"unknown workload '{args[0]}'", s_usage),
        };
    }

    /// <summary>Runs a built job with progress on stderr; returns the result.</summary>
    public static async Task<JobResult> ExecuteAsync(ParsedOptions o, IJobDefinition job, Func<JobProgress, string> line,
        Action<JobOutput>? output = null)
    {
        var where = o.String("cluster") is { } seed ? $"cluster {seed}" : "an embedded cluster";
        var quiet = o.Flag("quiet");
        if (!quiet)
        {
            Console.Error.WriteLine($"dataflow run {job.Workload}: connecting to {where}");
        }
        await using var cluster = await Program.OpenClusterAsync(o);
        using var bar = new ProgressBar(Console.Error, enabled: !quiet);
        // Ctrl-C or SIGTERM cancels the job on the cluster too, then leaves the cluster.
        using var cancel = new CancellationTokenSource();
        void Interrupt(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            cancel.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        var result = await cluster.RunAsync(job, new SynchronousProgress<JobProgress>(p => bar.Update(p.Done, p.Total, line(p))),
            output, cancel.Token);
        bar.Complete();
        if (o.String("json") is { } path)
        {
            Program.WriteAtomically(path, result.Json + Environment.NewLine);
        }
        return result;
    }

    /// <summary>Reports on the thread that produced the value (no sync-context hop, no reordering).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
