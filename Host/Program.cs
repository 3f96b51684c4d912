using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary>The <c>dataflow</c> command line: <c>host</c>, <c>run</c>, <c>status</c>, <c>bench</c>.</summary>
internal static class Program
{
    public const string Usage = """
        usage: dataflow <verb> [options]

          host     start a cluster host process     dataflow host --port 4053 [--seed 127.0.0.1:4053 ...]
          run      run a job                        dataflow run train --steps 200 [--cluster 127.0.0.1:4053]
          md       run a LAMMPS input script, as lmp -in
                                                    dataflow md in.melt [-var x 2] [-log log.melt]
          status   show a cluster's members, jobs and per-stage telemetry
                                                    dataflow status [--cluster 127.0.0.1:4053] [--json]
          jobs     list a cluster's jobs, follow their progress, fetch results, stop them
                                                    dataflow jobs [list | logs ID --follow | result ID | stop ID]
          bench    run the benchmarks (what `make bench` runs)
          cert     make a self-signed TLS certificate for a cluster
                                                    dataflow cert create --out cluster.pfx
          tune     install the best records of a tuning log for later runs and hosts
                                                    dataflow tune apply --log tune.jsonl

        'dataflow <verb> --help' describes a verb's options; 'dataflow --version' prints the version.
        """;

    /// <summary>The cluster a client verb talks to when neither <c>--cluster</c> nor <c>DATAFLOW_CLUSTER</c> names one.</summary>
    public const string DefaultCluster = "127.0.0.1:4053";

    /// <summary>The environment variable naming the cluster of client verbs, below <c>--cluster</c>.</summary>
    public const string ClusterVariable = "DATAFLOW_CLUSTER";

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args.Contains("--version"))
        {
            Console.Out.WriteLine($"dataflow {DataflowVersion.Current}");
            return 0;
        }
        try
        {
            return args[0] switch
            {
                "host" => await HostCommand.RunAsync(args[1..]),
                "run" => await RunCommand.RunAsync(args[1..]),
                "md" => await MdScriptCommand.RunAsync(args[1..]),
                "status" => await StatusCommand.RunAsync(args[1..]),
                "jobs" => await JobsCommand.RunAsync(args[1..]),
                "bench" => await BenchCommand.RunAsync(args[1..]),
                "cert" => CertCommand.Run(args[1..]),
                "tune" => TuneApplyCommand.Run(args[1..]),
                _ => throw new UsageException($"unknown verb '{args[0]}'", Usage),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"dataflow: {e.Message}");
            if (e.Usage is not null)
            {
                Console.Error.WriteLine();
                Console.Error.WriteLine(e.Usage);
            }
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException)
        {
            Console.Error.WriteLine($"dataflow: {e.Message}");
            return 2;
        }
        catch (DataflowJobException e)
        {
            Console.Error.WriteLine($"dataflow: job {e.JobId} failed: {e.Message}");
            return 1;
        }
        catch (Dataflow.Actors.Runtime.Security.ClusterAccessRefusedException e)
        {
            Console.Error.WriteLine($"dataflow: {e.Message}");
            return 1;
        }
        catch (TimeoutException e)
        {
            Console.Error.WriteLine($"dataflow: {e.Message}");
            return 1;
        }
        catch (RunInterruptedException e)
        {
            Console.Error.WriteLine($"dataflow: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An output that became unwritable while the job ran (the paths were checked before it started).
            Console.Error.WriteLine($"dataflow: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("dataflow: interrupted; the job was cancelled");
            return 130;
        }
    }

    /// <summary>Options shared by every verb that starts or joins a cluster.</summary>
    public static readonly string[] ClusterOptions =
        ["cluster", "hocon", "secret-file", "tls-cert", "tls-cert-password-file", "hostname", "public-hostname"];

    /// <summary>The help lines of the security options every client verb takes.</summary>
    public const string SecurityUsage = """
          --secret-file F   the cluster secret (needed by a cluster started with one)
          --tls-cert F.pfx  the cluster's TLS certificate (needed by a cluster started with one)
          --tls-cert-password-file F   the certificate's password, if it has one
          --hostname H      the address this client binds (default 127.0.0.1; beyond loopback it needs
                            --tls-cert and --secret-file)
          --public-hostname H  the address the cluster reaches this client at, if not --hostname
        """;

    /// <summary>The connection options of a client verb: <c>--hocon</c> files and the security options.</summary>
    public static DataflowClusterOptions ClientOptions(ParsedOptions o, int computeThreads = 0, Action<string>? notice = null) => new()
    {
        HoconFiles = o.All("hocon"),
        ComputeThreads = computeThreads,
        Notice = notice,
        SecretFile = o.String("secret-file"),
        TlsCertificateFile = o.String("tls-cert"),
        TlsCertificatePasswordFile = o.String("tls-cert-password-file"),
        Hostname = o.String("hostname"),
        PublicHostname = o.String("public-hostname"),
    };

    /// <summary>Connects to <c>--cluster</c> or starts an embedded cluster.</summary>
    /// <param name="seed">The cluster to join; by default <c>--cluster</c>, and without it an embedded cluster.</param>
    public static Task<DataflowCluster> OpenClusterAsync(ParsedOptions o, int computeThreads = 0, Action<string>? notice = null,
        string? seed = null, CancellationToken cancellationToken = default)
    {
        var options = ClientOptions(o, computeThreads, notice);
        return (seed ?? o.String("cluster")) is { } endpoint
            ? DataflowCluster.ConnectAsync(endpoint, options, cancellationToken)
            : DataflowCluster.StartEmbeddedAsync(options, cancellationToken);
    }

    /// <summary>The cluster (<c>host:port</c>) a client verb such as <c>status</c> talks to: <c>--cluster</c>, else
    /// the environment variable <c>DATAFLOW_CLUSTER</c>, else <see cref="DefaultCluster"/>.</summary>
    /// <exception cref="FormatException">The chosen value is not <c>host:port</c>; the message names where it came from.</exception>
    public static string ClusterEndpoint(ParsedOptions o)
    {
        var (value, source) = o.String("cluster") is { } option ? (option, "--cluster")
            : Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } variable ? (variable, ClusterVariable)
            : (DefaultCluster, "default cluster");
        DataflowNode.ParseEndpoint(value, source);
        return value;
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The node as the host prints it: address and roles.</summary>
    public static string Describe(DataflowNode node) => $"{node.Address} (roles: {string.Join(",", node.Options.Roles)})";
}
