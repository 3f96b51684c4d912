using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Actor.Setup;
using Akka.Configuration;
using Dataflow.Actors.Runtime.Security;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Runtime;

/// <summary>Starts the actor system of a host, an embedded cluster or a client, from HOCON plus options.</summary>
public sealed class DataflowNode
{
    /// <summary>Path of the coordinator singleton proxy on every node.</summary>
    public const string CoordinatorProxyName = "coordinator-proxy";

    private DataflowNode(ActorSystem system, IActorRef coordinator, NodeOptions options, TelemetryCollector telemetry)
    {
        System = system;
        Coordinator = coordinator;
        Options = options;
        Telemetry = telemetry;
    }

    /// <summary>This node's per-stage telemetry (what its agent publishes and its Prometheus endpoint serves).</summary>
    public TelemetryCollector Telemetry { get; }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>Proxy to the coordinator singleton, wherever it runs.</summary>
    public IActorRef Coordinator { get; }

    /// <summary>The node's cluster secret and certificate, and the refusals of its connections.</summary>
    public ClusterAccessSetup Access { get; private init; } = new(null, null);

    /// <summary>The options the node started with.</summary>
    public NodeOptions Options { get; }

    /// <summary>This node's address as <c>host:port</c>.</summary>
    public string Address => JobCoordinator.Key(Cluster.Get(System).SelfAddress);

    /// <summary>Builds the configuration: the bundled HOCON, then <see cref="NodeOptions.HoconFiles"/>, then options.</summary>
    /// <exception cref="DataflowConfigException">A file sets an unknown <c>dataflow.*</c> key or a bad value.</exception>
    public static Config LoadConfig(NodeOptions options)
    {
        var bundled = DataflowSettings.ReferenceFile;
        if (!File.Exists(bundled))
        {
            throw new FileNotFoundException($"bundled configuration {bundled} is missing", bundled);
        }
        var reference = ConfigurationFactory.ParseString(File.ReadAllText(bundled));
        DataflowSettings.FromConfig(reference, bundled);
        var config = reference;
        foreach (var file in options.HoconFiles)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"HOCON file {file} not found", file);
            }
            Config extra;
            try
            {
                extra = ConfigurationFactory.ParseString(File.ReadAllText(file));
            }
            catch (Exception e) when (e is not IOException)
            {
                throw new FormatException($"{file}: not valid HOCON: {e.Message}", e);
            }
            // Checked over the reference alone, which is valid: whatever is wrong now is this file's.
            DataflowSettings.FromConfig(extra.WithFallback(reference), file);
            config = extra.WithFallback(config);
        }
        var roles = options.Roles.Select(r => $"\"{r}\"")
            .Concat(options.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => Quote(NodeLabels.Role(l.Key, l.Value))));
        var overrides = $$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(options.Hostname)}}
            akka.remote.dot-netty.tcp.port = {{options.Port}}
            akka.cluster.roles = [{{string.Join(",", roles)}}]
            """;
        if (!options.IsCompute)
        {
            // A client only submits and watches: its own connection warnings would bury the one error it reports.
            overrides += "\nakka.loglevel = ERROR";
        }
        if (options.ComputeThreads > 0)
        {
            overrides += $"\ndataflow.compute-threads = {options.ComputeThreads}";
        }
        if (options.WorkDirectory is { } workDirectory)
        {
            overrides += $"\ndataflow.work-dir = {Quote(workDirectory)}";
        }
        if (!string.IsNullOrEmpty(options.PublicHostname))
        {
            overrides += $"\nakka.remote.dot-netty.tcp.public-hostname = {Quote(options.PublicHostname)}";
        }
        foreach (var (key, value) in new[]
                 {
                     ("tls-cert", options.TlsCertificateFile), ("tls-cert-password-file", options.TlsCertificatePasswordFile),
                     ("secret-file", options.SecretFile),
                 })
        {
            if (value is not null)
            {
                overrides += $"\ndataflow.{key} = {Quote(value)}";
            }
        }
        config = ConfigurationFactory.ParseString(overrides).WithFallback(config);
        var settings = DataflowSettings.FromConfig(config, "the command line");
        // DotNetty names its TLS transport akka.ssl.tcp: members of a TLS cluster have addresses of that scheme.
        var scheme = settings.TlsCert is null ? "akka.tcp" : "akka.ssl.tcp";
        var seeds = options.Seeds.Select(s => $"\"{scheme}://{NodeOptions.SystemName}@{s}\"");
        config = ConfigurationFactory.ParseString($"akka.cluster.seed-nodes = [{string.Join(",", seeds)}]").WithFallback(config);
        if (settings.TlsCert is not null || settings.SecretFile is not null)
        {
            // TLS through DotNetty with the certificate given in code (ClusterCertificate.SslSetup: mutual
            // authentication, peers pinned to it), and every connection through the cluster handshake.
            config = ConfigurationFactory.ParseString($$"""
                akka.remote.adapters.dataflow-auth = "{{typeof(ClusterAuthAdapterProvider).FullName}},{{typeof(ClusterAuthAdapterProvider).Assembly.GetName().Name}}"
                akka.remote.dot-netty.tcp.applied-adapters = [dataflow-auth]
                akka.remote.dot-netty.tcp.enable-ssl = {{(settings.TlsCert is null ? "off" : "on")}}
                akka.remote.dot-netty.tcp.ssl {
                  certificate.path = ""
                  suppress-validation = off
                  require-mutual-authentication = on
                  validate-certificate-hostname = off
                }
                """).WithFallback(config);
        }
        return config;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Checks the bind against <see cref="BindPolicy"/> and reads the certificate and the secret.</summary>
    /// <exception cref="InsecureBindException">A bind beyond loopback without TLS and a secret, or a wildcard bind
    /// without a public hostname.</exception>
    private static ClusterAccessSetup AccessOf(Config config)
    {
        var tcp = config.GetConfig("akka.remote.dot-netty.tcp");
        var settings = DataflowSettings.FromConfig(config, "the configuration");
        BindPolicy.Check(tcp.GetString("hostname", ""), tcp.GetString("public-hostname", null),
            tls: settings.TlsCert is not null, secret: settings.SecretFile is not null);
        return new ClusterAccessSetup(
            settings.SecretFile is null ? null : ClusterSecret.FromFile(settings.SecretFile),
            settings.TlsCert is null ? null : ClusterCertificate.Load(settings.TlsCert, settings.TlsCertPasswordFile));
    }

    /// <summary>Starts the node and, with no seeds, founds a cluster of one. Does not wait for membership.</summary>
    /// <param name="replicas">The process's job replicas, kept across restarts of the actor system (a new store when null).</param>
    public static DataflowNode Start(NodeOptions options, ReplicaStore? replicas = null)
    {
        foreach (var seed in options.Seeds)
        {
            ParseEndpoint(seed, "--seed");
        }
        var config = LoadConfig(options);
        var access = AccessOf(config);
        var setup = BootstrapSetup.Create().WithConfig(config).And(access);
        if (access.Certificate is { } certificate)
        {
            setup = setup.And(certificate.SslSetup(access.ReportRefusal));
        }
        var system = ActorSystem.Create(NodeOptions.SystemName, setup);
        StageCancellation.CancelOnShutdown(system);
        var cluster = Cluster.Get(system);
        if (options.Seeds.Count == 0)
        {
            cluster.Join(cluster.SelfAddress);
        }
        var telemetry = new TelemetryCollector(JobCoordinator.Key(cluster.SelfAddress));
        system.RegisterOnTermination(telemetry.Dispose);
        var coordinator = system.ActorOf(
            ClusterSingletonProxy.Props("/user/coordinator", ClusterSingletonProxySettings.Create(system)),
            CoordinatorProxyName);
        if (options.IsCompute)
        {
            system.ActorOf(
                ClusterSingletonManager.Props(JobCoordinator.Props(), PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system)),
                "coordinator");
            var interval = DataflowSettings.Get(system).TelemetryInterval;
            system.ActorOf(NodeAgent.Props(coordinator, interval, telemetry, replicas ?? new ReplicaStore()), JobCoordinator.AgentName);
        }
        return new DataflowNode(system, coordinator, options, telemetry) { Access = access };
    }

    /// <summary>Completes when this node is an Up member (a client: Up or WeaklyUp); throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = Cluster.Get(System);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (!Options.IsCompute)
        {
            // A client needs no convergence to submit and watch: WeaklyUp will do when Up is slow to come. While a
            // crashed member (a killed client, say) is unreachable, joiners stay WeaklyUp until the split-brain
            // resolver removes it. Up when it comes at once: a converged view (a member that just left is gone).
            var clock = global::System.Diagnostics.Stopwatch.StartNew();
            _ = Task.Run(async () =>
            {
                while (!up.Task.IsCompleted && !cancellationToken.IsCancellationRequested)
                {
                    if (cluster.SelfMember.Status == MemberStatus.WeaklyUp && clock.Elapsed > TimeSpan.FromSeconds(3))
                    {
                        up.TrySetResult();
                    }
                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }
            }, CancellationToken.None);
        }
        var finished = await Task.WhenAny(up.Task, Access.Refused, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (finished == Access.Refused)
        {
            throw new ClusterAccessRefusedException($"refused: {Access.Refused.Result}");
        }
        if (finished != up.Task)
        {
            var seeds = Options.Seeds.Count == 0 ? "itself" : string.Join(", ", Options.Seeds);
            throw new TimeoutException(
                $"could not join a Dataflow cluster via {seeds} within {timeout.TotalSeconds:0} s (is a host running there? " +
                "One started with --tls-cert or --secret-file admits only processes given the same ones)");
        }
    }

    /// <summary>Leaves the cluster gracefully and terminates the actor system; the kernels of this node's stages are
    /// cancelled first (their jobs move to the other nodes), so that a kernel does not hold the shutdown up.</summary>
    public Task ShutdownAsync()
    {
        StageCancellation.Get(System).CancelAll();
        return CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
    }

    /// <summary>Parses <c>host:port</c>; throws <see cref="FormatException"/> naming <paramref name="option"/>.</summary>
    public static (string Host, int Port) ParseEndpoint(string value, string option)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"{option} {value}: expected host:port, e.g. 127.0.0.1:4053");
        }
        return (value[..colon], port);
    }
}
