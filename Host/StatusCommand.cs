using System.Globalization;
using System.Text.Json;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary><c>dataflow status</c>: members, running jobs and per-stage telemetry of a cluster.</summary>
internal static class StatusCommand
{
    private static readonly string Usage = $"""
        usage: dataflow status [--cluster HOST:PORT] [--json] [--hocon FILE ...]

        Joins the cluster briefly as a client and prints its members, running jobs and per-stage telemetry
        (messages, busy seconds, mailbox depth, items per second, bytes in/out, memory).

          --cluster H:P   a member of the cluster; default: the environment variable DATAFLOW_CLUSTER,
                          else 127.0.0.1:4053 (a host started with `dataflow host` and no --port)
          --json          print the status as JSON
          --hocon FILE    extra HOCON layered over hocon/dataflow.conf (repeatable)
        {Program.SecurityUsage}
        An unreachable cluster is reported after dataflow.connect-timeout (10 s by default), exit code 1.

        example: dataflow status --cluster 127.0.0.1:4053 --json
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args, Program.ClusterOptions, ["json"], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        await using var cluster = await DataflowCluster.ConnectAsync(Program.ClusterEndpoint(o),
            Program.ClientOptions(o));
        var status = await cluster.StatusAsync(TimeSpan.FromSeconds(10));
        Console.Out.WriteLine(o.Flag("json")
            ? JsonSerializer.Serialize(status, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase })
            : Render(status));
        return 0;
    }

    /// <summary>The human-readable tables.</summary>
    public static string Render(ClusterStatus status)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"coordinator  {status.Coordinator}");
        w.WriteLine();
        w.WriteLine($"{"MEMBER",-22}{"STATUS",-10}{"ROLES",-16}{"REACHABLE",-11}{"THROUGHPUT",10}");
        foreach (var m in status.Members.OrderBy(m => m.Address, StringComparer.Ordinal))
        {
            w.WriteLine($"{m.Address,-22}{m.Status,-10}{string.Join(",", m.Roles),-16}{(m.Reachable ? "yes" : "NO"),-11}{m.Throughput,10:F2}");
        }
        w.WriteLine();
        if (status.Jobs.Length == 0)
        {
            w.WriteLine("no running jobs");
        }
        else
        {
            w.WriteLine($"{"JOB",-40}{"WORKLOAD",-10}{"STATE",-10}{"PROGRESS",-14}{"MOVES",6}  WORKERS PER NODE");
            foreach (var j in status.Jobs)
            {
                var placement = string.Join(" ", j.WorkersPerNode.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));
                w.WriteLine($"{j.JobId,-40}{j.Workload,-10}{j.State,-10}{$"{j.Done}/{j.Total}",-14}{j.PlacementChanges,6}  {placement}");
                if (j.Metrics is { Count: > 0 } metrics)
                {
                    w.WriteLine("  " + string.Join("  ", metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                        .Select(kv => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:G6}"))));
                }
            }
        }
        TelemetryTables.Write(w, status.Nodes);
        return w.ToString();
    }
}
