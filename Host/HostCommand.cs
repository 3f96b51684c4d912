using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;

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
        if (o.String("metrics-port") is not null && metricsPort is < 0 or > 65535)
        {
            throw new UsageException($"--metrics-port {metricsPort}: expected 0..65535", Usage);
        }
        // Before anything starts: a second host on a busy port must not join the cluster beside the first.
        EnsurePortFree("port", options.Hostname, port);
        if (metricsPort > 0)
        {
            EnsurePortFree("metrics-port", "127.0.0.1", metricsPort);
        }

        // The process outlives its actor system: a host the cluster downed (a long pause, a partition) starts a new
        // one on the same port and rejoins, keeping the job replicas it held.
        var replicas = new ReplicaStore();
        using var memory = new MemberMemory(options.Seeds, founder: options.Seeds.Count == 0);
        // Set once by SIGTERM or Ctrl-C: the end of the process, not a downing to recover from.
        using var leaving = new CancellationTokenSource();
        DataflowNode? current = null;
        void Leave(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            lock (leaving)
            {
                if (leaving.IsCancellationRequested)
                {
                    return;
                }
                leaving.Cancel();
            }
            if (Volatile.Read(ref current) is { } n)
            {
                Console.Error.WriteLine($"dataflow host {n.Address}: leaving the cluster");
                _ = n.ShutdownAsync();
            }
        }

        var seeds = options.Seeds;
        for (var incarnation = 0; ; incarnation++)
        {
            DataflowNode node;
            try
            {
                node = DataflowNode.Start(options with { Seeds = seeds }, replicas);
            }
            catch (Exception e) when (e is not FileNotFoundException and not FormatException)
            {
                if (incarnation > 0 && !leaving.IsCancellationRequested)
                {
                    // The old system's port may take a moment to be released.
                    Console.Error.WriteLine($"dataflow host: cannot restart on {options.Hostname}:{port} yet: {Innermost(e).Message}");
                    await Task.Delay(TimeSpan.FromSeconds(2));
                    continue;
                }
                Console.Error.WriteLine($"dataflow host: cannot start on {options.Hostname}:{port}: {Innermost(e).Message}");
                return 1;
            }
            Volatile.Write(ref current, node);
            // Registered after the actor system's own exit hook, as each system registers one: ours runs first, so a
            // SIGTERM is a graceful leave rather than a shutdown the loop below would take for a downing.
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);
            if (leaving.IsCancellationRequested)
            {
                _ = node.ShutdownAsync();
            }
            PrometheusEndpoint? endpoint = null;
            try
            {
                endpoint = metricsPort >= 0 ? await MetricsServer.StartAsync(node, metricsPort) : null;
            }
            catch (IOException e)
            {
                // Taken since the check above.
                Console.Error.WriteLine($"dataflow: --metrics-port {metricsPort}: {e.Message}");
                await node.ShutdownAsync();
                return 2;
            }
            await using (var metrics = endpoint)
            {
                var seedText = seeds.Count == 0 ? "none (founding a new cluster)" : string.Join(", ", seeds);
                Console.Out.WriteLine($"dataflow host {Program.Describe(node)} {(incarnation == 0 ? "started" : "restarted")}; seeds: {seedText}" +
                    (metrics is null ? "" : $"; metrics: http://127.0.0.1:{metrics.Port}/metrics"));
                Console.Out.Flush();
                Akka.Cluster.Cluster.Get(node.System).RegisterOnMemberUp(() =>
                {
                    Console.Out.WriteLine($"dataflow host {node.Address}: member up");
                    Console.Out.Flush();
                });
                // Remember the other hosts: a restarted host rejoins through them.
                memory.Watch(node);
                await node.System.WhenTerminated;
            }
            // Akka runs the coordinated shutdown itself on SIGTERM (the CLR exit hook), possibly before Leave above:
            // only a downing is recovered from; any other reason ends the process.
            var reason = CoordinatedShutdown.Get(node.System).ShutdownReason;
            if (leaving.IsCancellationRequested || reason is not CoordinatedShutdown.ClusterDowningReason)
            {
                Console.Out.WriteLine($"dataflow host {node.Address}: stopped");
                return 0;
            }
            seeds = await RejoinSeeds(node.Address, memory.Hosts(node.Address), memory.WasOldest);
            Console.Out.WriteLine($"dataflow host {node.Address}: removed from the cluster (downed after a pause or a partition); " +
                $"restarting and rejoining via {(seeds.Count == 0 ? "itself (no other host answers)" : string.Join(", ", seeds))}");
            Console.Out.Flush();
        }
    }

    /// <summary>The seeds a restarted host joins: the known hosts that accept connections, and this host first when
    /// it was the oldest compute member (Akka lets only the first seed found a cluster, so the host that held the
    /// cluster together founds it again when all were downed at once); none when no other host accepts connections.
    /// </summary>
    /// <remarks>A host stopped by SIGSTOP still accepts connections (the kernel does), so a younger host waits for it
    /// rather than founding a second cluster beside it; the oldest, when it wakes, removes the younger host's old
    /// incarnation and lets the new one join. A younger host whose oldest stays stopped waits as long.</remarks>
    private static async Task<IReadOnlyList<string>> RejoinSeeds(string self, IReadOnlyList<string> others, bool wasOldest)
    {
        var alive = new List<string>();
        foreach (var address in others)
        {
            var (host, p) = DataflowNode.ParseEndpoint(address, "seed");
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await client.ConnectAsync(host, p, timeout.Token);
                alive.Add(address);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // Gone for good or not yet back: not a seed.
            }
        }
        if (alive.Count == 0)
        {
            return [];
        }
        return wasOldest ? [self, .. alive] : alive;
    }

    /// <summary>Throws a <see cref="UsageException"/> naming <paramref name="option"/> when something listens on
    /// <paramref name="host"/>:<paramref name="port"/> already (port 0 picks a free one: nothing to check).</summary>
    private static void EnsurePortFree(string option, string host, int port)
    {
        if (port == 0)
        {
            return;
        }
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host)[0];
        }
        catch (Exception e) when (e is SocketException or IndexOutOfRangeException)
        {
            throw new UsageException($"--hostname {host}: cannot resolve it ({e.Message})");
        }
        var listener = new TcpListener(address, port) { ExclusiveAddressUse = true };
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new UsageException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"--{option} {port}: {host}:{port} is already in use" + (option == "port" ? " (another dataflow host?)" : "")
                : $"--{option} {port}: cannot listen on {host}:{port}: {e.Message}");
        }
        finally
        {
            listener.Stop();
            listener.Dispose();
        }
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
