using System.Runtime.InteropServices;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary><c>dataflow host</c>: one cluster member that runs until SIGTERM or Ctrl-C, then leaves gracefully.</summary>
internal static class HostCommand
{
    private const string Usage = """
        usage: dataflow host [--port 4053] [--seed HOST:PORT ...] [--roles compute] [--hostname 127.0.0.1]
                             [--hocon FILE ...] [--metrics-port PORT] [--compute-threads N]

        Starts a cluster host. Without --seed it founds a new cluster; with seeds it joins theirs.
        SIGTERM or Ctrl-C leaves the cluster gracefully; its logical workers move to the other hosts.

          --port P             remoting port (default 4053; 0 picks a free one)
          --seed H:P           a seed node to join (repeatable, or comma-separated)
          --roles R[,R]        cluster roles (default compute)
          --hocon FILE         extra HOCON layered over hocon/dataflow.conf (repeatable); an unknown
                               dataflow.* key or a bad value is refused before the host starts
          --metrics-port P     serve Prometheus text metrics on http://127.0.0.1:P/metrics
          --compute-threads N  concurrent logical-worker computations (default dataflow.compute-threads,
                               whose 0 means cores / intra-op threads)

        example: dataflow host --port 4054 --seed 127.0.0.1:4053 --metrics-port 9101
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args,
            ["port", "seed", "roles", "hostname", "hocon", "metrics-port", "compute-threads"], [], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var port = o.Int("port", 4053);
        if (port is < 0 or > 65535)
        {
            throw new UsageException($"--port {port}: expected 0..65535", Usage);
        }
        var options = new NodeOptions
        {
            Hostname = o.String("hostname") ?? "127.0.0.1",
            Port = port,
            Seeds = o.All("seed"),
            Roles = o.All("roles") is { Count: > 0 } roles ? roles : ["compute"],
            HoconFiles = o.All("hocon"),
            ComputeThreads = o.Int("compute-threads", 0),
        };
        var metricsPort = o.Int("metrics-port", -1);

        DataflowNode node;
        try
        {
            node = DataflowNode.Start(options);
        }
        catch (Exception e) when (e is not FileNotFoundException and not FormatException)
        {
            Console.Error.WriteLine($"dataflow host: cannot start on {options.Hostname}:{port}: {Innermost(e).Message}");
            return 1;
        }
        await using var metrics = metricsPort >= 0 ? await MetricsServer.StartAsync(node, metricsPort) : null;

        var stopping = 0;
        void Leave(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            if (Interlocked.Exchange(ref stopping, 1) == 0)
            {
                Console.Error.WriteLine($"dataflow host {node.Address}: leaving the cluster");
                _ = node.ShutdownAsync();
            }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);

        var seeds = options.Seeds.Count == 0 ? "none (founding a new cluster)" : string.Join(", ", options.Seeds);
        Console.Out.WriteLine($"dataflow host {Program.Describe(node)} started; seeds: {seeds}" +
            (metrics is null ? "" : $"; metrics: http://127.0.0.1:{metrics.Port}/metrics"));
        Console.Out.Flush();
        Akka.Cluster.Cluster.Get(node.System).RegisterOnMemberUp(() =>
        {
            Console.Out.WriteLine($"dataflow host {node.Address}: member up");
            Console.Out.Flush();
        });
        await node.System.WhenTerminated;
        Console.Out.WriteLine($"dataflow host {node.Address}: stopped");
        return 0;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}
