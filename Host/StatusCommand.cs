using System.Globalization;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary><c>dataflow status</c>: hosts, running jobs and per-stage telemetry of a cluster, once or refreshed.</summary>
internal static class StatusCommand
{
    private static readonly string Usage = $"""
        usage: dataflow status [--cluster HOST:PORT] [--json] [--watch [--interval SECONDS]] [--hocon FILE ...]

        Joins the cluster briefly as a client and prints its hosts, running jobs and per-stage telemetry
        (messages, busy seconds, mailbox depth, items per second, bytes in/out, memory). Clients, this one
        included, are counted, not listed as members.

          --cluster H:P   a member of the cluster; default: the environment variable DATAFLOW_CLUSTER,
                          else 127.0.0.1:4053 (a host started with `dataflow host` and no --port)
          --json          print the status as JSON, schema version {StatusDocument.CurrentSchemaVersion}: Schemas/status.schema.json beside
                          the executable (Host/Schemas in the source tree)
          --watch         stay connected and print the status again every --interval seconds (default 2; the
                          terminal is cleared between prints when it is one), until Ctrl-C
          --hocon FILE    extra HOCON layered over hocon/dataflow.conf (repeatable)
        {Program.SecurityUsage}
        An unreachable cluster is reported after dataflow.connect-timeout (10 s by default), exit code 1.

        examples: dataflow status --cluster 127.0.0.1:4053 --json
                  dataflow status --watch --interval 1
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args, [.. Program.ClusterOptions, "interval"], ["json", "watch"], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var interval = o.Double("interval", 2);
        if (!(interval > 0) || o.String("interval") is not null && !o.Flag("watch"))
        {
            throw new UsageException(o.Flag("watch") ? "--interval must be a positive number of seconds" : "--interval needs --watch", Usage);
        }
        using var signals = o.Flag("watch") ? new RunSignals() : null;
        await using var cluster = await DataflowCluster.ConnectAsync(Program.ClusterEndpoint(o), Program.ClientOptions(o));
        signals?.RegisterAgain();
        var clear = o.Flag("watch") && !Console.IsOutputRedirected;
        while (true)
        {
            var document = StatusDocument.From(await cluster.StatusAsync(TimeSpan.FromSeconds(10)));
            var text = o.Flag("json") ? document.ToJson() : Render(document);
            if (clear)
            {
                // ANSI: cursor home, clear the screen.
                Console.Out.Write("\u001b[H\u001b[2J");
            }
            Console.Out.WriteLine(text);
            if (signals is null)
            {
                return 0;
            }
            Console.Out.Flush();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(interval), signals.Token);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
        }
    }

    /// <summary>The human-readable tables; every figure has its unit in its column's header.</summary>
    public static string Render(StatusDocument status)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"coordinator  {status.Coordinator}");
        w.WriteLine($"clients      {status.Clients} (this one included)");
        w.WriteLine();
        w.WriteLine($"{"MEMBER",-22}{"STATUS",-10}{"ROLES",-16}{"REACHABLE",-11}{"THROUGHPUT items/s",19}");
        foreach (var m in status.Members)
        {
            w.WriteLine($"{m.Address,-22}{m.Status,-10}{string.Join(",", m.Roles),-16}{(m.Reachable ? "yes" : "NO"),-11}{m.ThroughputItemsPerSecond,19:F2}");
        }
        w.WriteLine();
        if (status.Jobs.Length == 0)
        {
            w.WriteLine("no running jobs");
        }
        else
        {
            w.WriteLine($"{"JOB",-40}{"WORKLOAD",-10}{"STATE",-11}{"PROGRESS (done/total)",-22}{"MOVES",6}  WORKERS PER NODE");
            foreach (var j in status.Jobs)
            {
                var placement = string.Join(" ", j.WorkersPerNode.Select(kv => $"{kv.Key}:{kv.Value}"));
                w.WriteLine($"{j.JobId,-40}{j.Workload,-10}{j.State,-11}{$"{j.Done}/{j.Total}",-22}{j.PlacementChanges,6}  {placement}");
                if (j.Metrics.Count > 0)
                {
                    w.WriteLine("  " + string.Join("  ", j.Metrics.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:G6}"))));
                }
            }
        }
        TelemetryTables.Write(w, status.Nodes);
        return w.ToString();
    }
}
