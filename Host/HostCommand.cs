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
                             [--public-hostname NAME] [--tls-cert FILE.pfx [--tls-cert-password-file FILE]]
                             [--secret-file FILE] [--hocon FILE ...] [--metrics-port PORT] [--otlp-endpoint URL] [--compute-threads N] [--work-dir DIR]
                             [--dashboard-port PORT [--dashboard-bind ADDR]] [--institute NAME [--data DIR]]

        Starts a cluster host. Without --seed it founds a new cluster; with seeds it joins theirs.
        SIGTERM or Ctrl-C leaves the cluster gracefully; its logical workers move to the other hosts.

          --port P             remoting port (default 4053; 0 picks a free one)
          --seed H:P           a seed node to join (repeatable, or comma-separated)
          --roles R[,R]        cluster roles (default compute)
          --hostname H         the address to bind (default 127.0.0.1). Anything but loopback (127.0.0.0/8,
                               localhost, ::1) needs --tls-cert and --secret-file; 0.0.0.0 binds every
                               interface and needs --public-hostname
          --public-hostname H  the address other members and clients reach this host at, when it is not
                               --hostname (a wildcard bind, NAT)
          --tls-cert FILE.pfx  remoting over TLS with this certificate: every member presents it and accepts
                               no other ('dataflow cert create --out FILE.pfx' makes one); dataflow.tls-cert
          --tls-cert-password-file FILE  the certificate's password; dataflow.tls-cert-password-file
          --secret-file FILE   the cluster secret every host and client proves at each connection (it is
                               never sent); dataflow.secret-file
          --hocon FILE         extra HOCON layered over hocon/dataflow.conf (repeatable); an unknown
                               dataflow.* key or a bad value is refused before the host starts
          --metrics-port P     serve Prometheus text metrics on http://127.0.0.1:P/metrics: this node's series
                               (stages, memory, step and message latency histograms, .NET runtime, process)
          --otlp-endpoint URL  also export metrics and job traces over OTLP (HTTP/protobuf) to URL, e.g.
                               http://127.0.0.1:4318 (an OpenTelemetry Collector); interval 10 s, or
                               OTEL_METRIC_EXPORT_INTERVAL milliseconds
          --dashboard-port P   serve the web dashboard on http://127.0.0.1:P/ (0 picks a free port): members, jobs
                               with progress, ETA and live charts, stages; cancel a job, download a result. Its
                               data: GET /api/v1/status (JSON, Schemas/dashboard.schema.json beside the executable),
                               live as Server-Sent Events on /api/v1/events
          --dashboard-bind A   the address the dashboard listens on (default 127.0.0.1; 0.0.0.0 for every
                               interface). The dashboard has no login: whoever reaches it can cancel jobs
          --compute-threads N  concurrent logical-worker computations (default dataflow.compute-threads,
                               whose 0 means cores / intra-op threads)
          --institute NAME     this host serves the fl institute NAME: an fl job places that institute here and
                               nowhere else (while the host is away the institute misses the rounds)
          --data DIR           the institute's own volumes, in the Medical Segmentation Decathlon layout
                               (DIR/imagesTr/*.nii[.gz], DIR/labelsTr/ of the same names); they are read here only
          --work-dir DIR       the only place this host writes job files: DIR/JOB-ID/ (checkpoints a job keeps
                               as files; clients receive them too, and 'dataflow jobs result ID --checkpoint-dir'
                               fetches them). Default dataflow.work-dir, else ./dataflow-work. A client's paths
                               are its own: the host never reads or writes them

        example: dataflow host --port 4054 --seed 127.0.0.1:4053 --metrics-port 9101 --dashboard-port 8265
                 dataflow host --hostname 0.0.0.0 --public-hostname 10.0.0.5 --tls-cert cluster.pfx --secret-file cluster.secret
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args,
            ["port", "seed", "roles", "hostname", "public-hostname", "tls-cert", "tls-cert-password-file", "secret-file", "hocon",
                "metrics-port", "otlp-endpoint", "compute-threads", "work-dir", "dashboard-port", "dashboard-bind", "institute", "data"], [], Usage);
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
            PublicHostname = o.String("public-hostname"),
            TlsCertificateFile = o.String("tls-cert"),
            TlsCertificatePasswordFile = o.String("tls-cert-password-file"),
            SecretFile = o.String("secret-file"),
        };
        options = options with { WorkDirectory = WorkDirectory(o, options), Labels = InstituteLabels(o) };
        var metricsPort = o.Int("metrics-port", -1);
        if (o.String("metrics-port") is not null && metricsPort is < 0 or > 65535)
        {
            throw new UsageException($"--metrics-port {metricsPort}: expected 0..65535", Usage);
        }
        Uri? otlp = null;
        if (o.String("otlp-endpoint") is { } otlpText
            && (!Uri.TryCreate(otlpText, UriKind.Absolute, out otlp) || otlp.Scheme is not ("http" or "https")))
        {
            throw new UsageException($"--otlp-endpoint '{otlpText}': expected an http:// or https:// URL", Usage);
        }
        var dashboardPort = o.Int("dashboard-port", -1);
        if (o.String("dashboard-port") is not null && dashboardPort is < 0 or > 65535)
        {
            throw new UsageException($"--dashboard-port {dashboardPort}: expected 0..65535", Usage);
        }
        var dashboardBind = IPAddress.Loopback;
        if (o.String("dashboard-bind") is { } bindText)
        {
            if (dashboardPort < 0)
            {
                throw new UsageException("--dashboard-bind needs --dashboard-port", Usage);
            }
            if (!IPAddress.TryParse(bindText, out dashboardBind))
            {
                throw new UsageException($"--dashboard-bind '{bindText}': expected an IP address (127.0.0.1, 0.0.0.0, ::1...)", Usage);
            }
        }
        // Before anything starts: a second host on a busy port must not join the cluster beside the first.
        EnsurePortFree("port", options.Hostname, port);
        if (metricsPort > 0)
        {
            EnsurePortFree("metrics-port", "127.0.0.1", metricsPort);
        }
        if (dashboardPort > 0)
        {
            EnsurePortFree("dashboard-port", dashboardBind.ToString(), dashboardPort);
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
            MetricsServer? endpoint = null;
            try
            {
                endpoint = metricsPort >= 0 || otlp is not null ? await MetricsServer.StartAsync(metricsPort, otlp, node.Address) : null;
            }
            catch (IOException e)
            {
                // Taken since the check above.
                Console.Error.WriteLine($"dataflow: --metrics-port {metricsPort}: {e.Message}");
                await node.ShutdownAsync();
                return 2;
            }
            Dashboard.DashboardServer? page = null;
            try
            {
                page = dashboardPort >= 0 ? await Dashboard.DashboardServer.StartAsync(node, dashboardBind, dashboardPort) : null;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"dataflow: --dashboard-port {dashboardPort}: {e.Message}");
                if (endpoint is not null)
                {
                    await endpoint.DisposeAsync();
                }
                await node.ShutdownAsync();
                return 2;
            }
            await using (var metrics = endpoint)
            await using (var dashboard = page)
            {
                var seedText = seeds.Count == 0 ? "none (founding a new cluster)" : string.Join(", ", seeds);
                Console.Out.WriteLine($"dataflow host {Program.Describe(node)} {(incarnation == 0 ? "started" : "restarted")}; seeds: {seedText}" +
                    (metrics is not { Port: >= 0 } ? "" : $"; metrics: http://127.0.0.1:{metrics.Port}/metrics") +
                    (dashboard is null ? "" : $"; dashboard: {dashboard.Url}") + Protection(node) +
                    $"; work dir: {options.WorkDirectory}");
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

    /// <summary>The absolute work directory: <c>--work-dir</c>, else <c>dataflow.work-dir</c> of the configuration,
    /// else <c>dataflow-work</c> in the current directory.</summary>
    private static string WorkDirectory(ParsedOptions o, NodeOptions options)
    {
        var chosen = o.String("work-dir");
        if (chosen is { Length: 0 })
        {
            throw new UsageException("--work-dir: expected a directory", Usage);
        }
        chosen ??= DataflowSettings.FromConfig(DataflowNode.LoadConfig(options), "the host's configuration").WorkDir is { Length: > 0 } configured
            ? configured
            : "dataflow-work";
        var full = Path.GetFullPath(chosen);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--work-dir {chosen}: cannot create it: {e.Message}");
        }
        return full;
    }

    /// <summary>The labels of <c>--institute NAME [--data DIR]</c>: the fl institute this host serves and the folder of its
    /// volumes (checked here, before the host starts).</summary>
    private static Dictionary<string, string> InstituteLabels(ParsedOptions o)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var name = o.String("institute");
        var data = o.String("data");
        if (name is null)
        {
            return data is null ? labels : throw new UsageException("--data needs --institute (the institute whose volumes they are)", Usage);
        }
        if (name.Length == 0 || name.Any(c => char.IsControl(c) || c is '/' or '\\'))
        {
            throw new UsageException($"--institute '{name}': expected a name (no '/' or control characters)", Usage);
        }
        labels[Actors.Fl.FlWorkload.InstituteLabel] = name;
        if (data is not null)
        {
            var full = Path.GetFullPath(data);
            if (!Directory.Exists(Path.Combine(full, "imagesTr")) || !Directory.Exists(Path.Combine(full, "labelsTr")))
            {
                throw new UsageException($"--data {data}: expected a folder with imagesTr/ and labelsTr/ (the institute's NIfTI volumes)", Usage);
            }
            labels[Actors.Fl.FlWorkload.DataLabel] = full;
        }
        return labels;
    }

    /// <summary>How the node's connections are protected, as the start line says it.</summary>
    private static string Protection(DataflowNode node) =>
        (node.Access.Certificate is { } c ? $"; TLS with {c.File} (SHA-256 {c.Fingerprint[..16]}...)" : "; no TLS") +
        (node.Access.Secret is null ? "; no cluster secret" : "; cluster secret required");

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
