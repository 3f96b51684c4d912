using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary><c>dataflow run &lt;workload&gt;</c>: builds the job with the workload's options, runs it embedded or on
/// <c>--cluster</c>, shows progress, prints a summary and writes <c>--json</c>; or, with <c>--detach</c>, submits it
/// and prints its id.</summary>
internal static class RunCommand
{
    /// <summary>Options every workload verb takes besides its own.</summary>
    private static readonly string[] s_commonValued = [.. Program.ClusterOptions, "json"];
    private static readonly string[] s_commonFlags = ["quiet", "detach"];
    private static readonly string[] s_plot = ["plot"];

    private static string Usage => $"""
        usage: dataflow run <workload> [options] [--cluster HOST:PORT] [--json FILE|-] [--quiet] [--detach]

        workloads:
        {string.Join(Environment.NewLine, WorkloadCommands.All.Select(c => $"  {c.Verb,-10} {c.Summary}"))}

        Every workload also takes:
          --cluster H:P   run on a running cluster instead of an embedded one
          --json FILE     write the result as JSON (written to a temporary file, then renamed); '-' writes it to
                          standard output and the summary to standard error
          --detach        with --cluster: submit, print the job's id and return; the job runs on
                          ('dataflow jobs logs ID --follow', 'dataflow jobs result ID')
          --quiet         no progress lines
          --plot FILE     (train, nqs, md, ...) draw the run as FILE.png or FILE.svg: see the workload's help
        {Program.SecurityUsage}

        'dataflow run <workload> --help' lists a workload's options.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var command = WorkloadCommands.Find(args[0]) ?? throw new UsageException($"unknown workload '{args[0]}'", Usage);
        if (command.RunsItself(args[1..]) is { } itself)
        {
            return await itself();
        }
        var o = new ParsedOptions(args[1..], [.. command.ValuedOptions, .. s_commonValued, .. command.HasPlot ? s_plot : []],
            [.. command.FlagOptions, .. s_commonFlags], command.Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(command.Usage);
            return 0;
        }
        var job = command.Build(o);
        // Before the job runs: a result that cannot be written would be lost after the work was done.
        foreach (var output in command.OutputPaths(o))
        {
            output.Check();
        }
        if (o.String("json") is { } json and not "-")
        {
            new OutputPath("json", json, CreatesDirectories: true).Check();
        }
        if (o.String("plot") is { } plotPath)
        {
            if (Plot.ChartFile.CheckExtension(plotPath) is { } wrong)
            {
                throw new UsageException($"--plot {wrong}", command.Usage);
            }
            new OutputPath("plot", plotPath).Check();
        }
        if (o.Flag("detach"))
        {
            if (o.String("cluster") is null)
            {
                throw new UsageException("--detach needs --cluster HOST:PORT (an embedded cluster ends with this process)", command.Usage);
            }
            await using var cluster = await Program.OpenClusterAsync(o);
            var id = await cluster.SubmitAsync(job);
            Console.Out.WriteLine(id);
            Console.Error.WriteLine($"dataflow run {job.Workload}: submitted {id}; follow it with 'dataflow jobs logs {id} --follow --cluster {o.String("cluster")}'");
            return 0;
        }
        var history = new Plot.ProgressHistory();
        var result = await ExecuteAsync(o, job, command.ProgressLine, command.Output(o), history);
        var summary = o.String("json") == "-" ? Console.Error : Console.Out;
        command.WriteSummary(result, o, summary);
        if (o.String("plot") is { } plot)
        {
            Plot.ChartFile.Write(command.Plot(result, history), plot);
            summary.WriteLine($"plot              {plot}");
        }
        return 0;
    }

    /// <summary>Runs a built job with progress on stderr; writes <c>--json</c>; returns the result.</summary>
    /// <param name="history">Collects the progress reports' metrics, for <c>--plot</c>.</param>
    public static async Task<JobResult> ExecuteAsync(ParsedOptions o, IJobDefinition job, Func<JobProgress, string> line,
        Action<JobOutput>? output = null, Plot.ProgressHistory? history = null)
    {
        var where = o.String("cluster") is { } seed ? $"cluster {seed}" : "an embedded cluster";
        var quiet = o.Flag("quiet");
        if (!quiet)
        {
            Console.Error.WriteLine($"dataflow run {job.Workload}: connecting to {where}");
        }
        using var bar = new ProgressBar(Console.Error, enabled: !quiet);
        // Ctrl-C or SIGTERM cancels the job on the cluster too (an embedded cluster's kernels stop), leaves the cluster
        // and exits with 130 or 143, within RunSignals.Grace whatever still runs.
        using var signals = new RunSignals();
        JobResult result;
        try
        {
            await using var cluster = await Program.OpenClusterAsync(o, notice: bar.Notice, cancellationToken: signals.Token);
            // Handlers run latest-registered first: ours must come before the new actor system's exit hook.
            signals.RegisterAgain();
            result = await cluster.RunAsync(job, new SynchronousProgress<JobProgress>(p =>
                {
                    history?.Add(p);
                    bar.Update(p.Done, p.Total, line(p));
                }),
                output, signals.Token);
        }
        // The coordinator may report the job failed ("cancelled") before the client's own cancellation completes:
        // after a signal, either way is the interruption.
        catch (Exception e) when (e is OperationCanceledException or global::Dataflow.DataflowJobException && signals.ExitCode is { } code)
        {
            bar.Complete();
            throw new RunInterruptedException(signals.SignalName!, code);
        }
        bar.Complete();
        WriteJson(o, result);
        return result;
    }

    /// <summary>Writes the result to <c>--json FILE</c> atomically, or to standard output for <c>--json -</c>.</summary>
    public static void WriteJson(ParsedOptions o, JobResult result)
    {
        switch (o.String("json"))
        {
            case null:
                return;
            case "-":
                Console.Out.WriteLine(result.Json);
                Console.Out.Flush();
                return;
            case var path:
                Program.WriteAtomically(path, result.Json + Environment.NewLine);
                return;
        }
    }

    /// <summary>Reports on the thread that produced the value (no sync-context hop, no reordering).</summary>
    public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
