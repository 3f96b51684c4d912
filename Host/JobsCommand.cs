using System.Globalization;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary><c>dataflow jobs</c>: the jobs of a cluster, running and recently ended; their progress lines, results, and
/// stopping one. Jobs outlive the clients that submitted them (<c>dataflow run ... --detach</c>).</summary>
internal static class JobsCommand
{
    private static readonly string Usage = $"""
        usage: dataflow jobs [list]                      [--cluster HOST:PORT] [--json]
               dataflow jobs logs ID [--follow] [--checkpoint-dir DIR] [--cluster HOST:PORT]
               dataflow jobs result ID [--json FILE|-] [--checkpoint-dir DIR] [--cluster HOST:PORT]
               dataflow jobs stop ID                     [--cluster HOST:PORT]

        list     the jobs the cluster knows: id, workload, state, progress, submitted (UTC), driver node
        logs     the job's progress lines so far; --follow keeps following until it ends (re-attaches
                 after a coordinator fail-over); Ctrl-C stops following, not the job. With --checkpoint-dir,
                 the checkpoints a job that keeps checkpoint files (run ... --checkpoint-dir or --resume) sends
                 while followed are written to DIR here; earlier ones stay in the driver host's
                 --work-dir/ID/ (the DRIVER column of 'jobs list')
        result   a finished job's summary (kept for the last dataflow.retained-jobs jobs); --json writes it.
                 With --checkpoint-dir, the files the job left in its driver host's --work-dir/ID/ (its
                 checkpoints, when it kept checkpoint files) are fetched into DIR here, one line per file
        stop     cancels a running job and waits until it ended

        The cluster is --cluster, else $DATAFLOW_CLUSTER, else 127.0.0.1:4053. Each takes --hocon FILE and:
        {Program.SecurityUsage}

        example: dataflow jobs logs train-20261205093000-1a2b3c --follow
                 dataflow jobs result train-20261205093000-1a2b3c --checkpoint-dir ck
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var sub = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "list";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        string? id = null;
        if (sub is "logs" or "result" or "stop")
        {
            if (rest.Length == 0 || rest[0].StartsWith('-'))
            {
                throw new UsageException($"jobs {sub} needs a job id", Usage);
            }
            id = rest[0];
            rest = rest[1..];
        }
        else if (sub != "list")
        {
            throw new UsageException($"unknown jobs command '{sub}'", Usage);
        }
        var o = new ParsedOptions(rest, sub switch
            {
                "result" => [.. Program.ClusterOptions, "json", "checkpoint-dir"],
                "logs" => [.. Program.ClusterOptions, "checkpoint-dir"],
                _ => Program.ClusterOptions,
            },
            sub switch { "logs" => ["follow"], "list" => ["json"], _ => [] }, Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var fetchInto = sub == "result" ? o.String("checkpoint-dir") : null;
        if (fetchInto is not null)
        {
            // Before asking: the id names a folder on the host, and DIR must take the files.
            if (JobFiles.Refusal(id) is { } refusal)
            {
                throw new UsageException(refusal);
            }
            new OutputPath("checkpoint-dir", fetchInto, IsDirectory: true, CreatesDirectories: true).Check();
        }
        await using var cluster = await Program.OpenClusterAsync(o, notice: text => Console.Error.WriteLine("dataflow: " + text),
            seed: Program.ClusterEndpoint(o));
        switch (sub)
        {
            case "list":
                var jobs = await cluster.ListJobsAsync();
                Console.Out.WriteLine(o.Flag("json")
                    ? System.Text.Json.JsonSerializer.Serialize(jobs, WorkloadResult.JsonOptions)
                    : Render(jobs));
                return 0;
            case "logs":
                return await Logs(cluster, id!, o.Flag("follow"), o.String("checkpoint-dir"));
            case "result":
                var record = await cluster.GetJobAsync(id!);
                if (!record.HasEnded)
                {
                    Console.Error.WriteLine($"dataflow: job {id} is still {record.State} ({record.Done}/{record.Total}); 'dataflow jobs logs {id} --follow' follows it");
                    return 1;
                }
                if (fetchInto is not null)
                {
                    IReadOnlyList<string> files;
                    try
                    {
                        files = await cluster.FetchJobFilesAsync(id!, fetchInto);
                    }
                    catch (DataflowJobException unavailable)
                    {
                        // Not the job's failure: its files are not to be had.
                        Console.Error.WriteLine($"dataflow: {unavailable.Message}");
                        return 1;
                    }
                    var lines = o.String("json") == "-" ? Console.Error : Console.Out;
                    foreach (var file in files)
                    {
                        lines.WriteLine($"{Path.GetFileName(file),-32} {new FileInfo(file).Length,12} bytes");
                    }
                    Console.Error.WriteLine($"dataflow: {files.Count} file(s) of job {id} written to {Path.GetFullPath(fetchInto)}");
                }
                if (record.ResultJson is not { } json)
                {
                    Console.Error.WriteLine($"dataflow: job {id} failed: {record.Error}");
                    return 1;
                }
                var result = new JobResult(record.JobId, json);
                RunCommand.WriteJson(o, result);
                if (WorkloadCommands.Find(record.Workload) is { } command)
                {
                    command.WriteSummary(result, null, o.String("json") == "-" ? Console.Error : Console.Out);
                }
                return 0;
            default:
                var stopped = await cluster.StopAsync(id!, "stopped by 'dataflow jobs stop'");
                Console.Out.WriteLine($"{stopped.JobId} {stopped.State}{(stopped.Error is { } e ? ": " + e : "")}");
                return 0;
        }
    }

    private static async Task<int> Logs(DataflowCluster cluster, string id, bool follow, string? checkpointDirectory)
    {
        var record = await cluster.GetJobAsync(id);
        var command = WorkloadCommands.Find(record.Workload);
        Action<JobOutput>? output = null;
        if (checkpointDirectory is not null)
        {
            output = command?.CheckpointWriter(Path.GetFullPath(checkpointDirectory))
                ?? throw new UsageException($"--checkpoint-dir: {record.Workload} jobs keep no checkpoint files", Usage);
        }
        using var stop = new CancellationTokenSource();
        var last = DateTime.UtcNow;
        var progress = new RunCommand.SynchronousProgress<JobProgress>(p =>
        {
            last = DateTime.UtcNow;
            Console.Out.WriteLine($"{p.Done}/{p.Total} {command?.ProgressLine(p) ?? p.Note}");
            Console.Out.Flush();
        });
        if (!follow)
        {
            // The lines so far arrive at once; stop once they stopped coming.
            _ = Task.Run(async () =>
            {
                while (DateTime.UtcNow - last < TimeSpan.FromSeconds(1.5))
                {
                    await Task.Delay(250);
                }
                await stop.CancelAsync();
            });
        }
        else
        {
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
        }
        try
        {
            await cluster.AttachAsync(id, progress, replay: true, output, stop.Token);
            Console.Out.WriteLine($"job {id} completed");
            return 0;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (DataflowJobException e)
        {
            Console.Out.WriteLine($"job {id} failed: {e.Message}");
            return 1;
        }
    }

    /// <summary>The table of <c>dataflow jobs list</c>.</summary>
    public static string Render(IReadOnlyList<JobRecord> jobs)
    {
        if (jobs.Count == 0)
        {
            return "no jobs";
        }
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"{"JOB",-34}{"WORKLOAD",-10}{"STATE",-11}{"PROGRESS",-14}{"SUBMITTED (UTC)",-21}DRIVER");
        foreach (var j in jobs)
        {
            var submitted = new DateTime(j.SubmittedUtcTicks, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            w.WriteLine($"{j.JobId,-34}{j.Workload,-10}{j.State,-11}{$"{j.Done}/{j.Total}",-14}{submitted,-21}{j.DriverNode}");
        }
        return w.ToString().TrimEnd();
    }
}
