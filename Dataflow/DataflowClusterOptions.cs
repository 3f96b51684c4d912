namespace Dataflow;

/// <summary>Options of an embedded cluster or a client connection.</summary>
public sealed record DataflowClusterOptions
{
    /// <summary>Extra HOCON files layered over the bundled configuration.</summary>
    public IReadOnlyList<string> HoconFiles { get; init; } = [];

    /// <summary>How long to wait to join the cluster before giving up; null takes <c>dataflow.connect-timeout</c>.</summary>
    /// <remarks>The configured default is 10 s (<c>hocon/dataflow.conf</c>), so an unreachable seed is reported
    /// well within 15 s. A value set here wins over the configuration files.</remarks>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>The file holding the cluster secret; null takes <c>dataflow.secret-file</c> (none by default).</summary>
    /// <remarks>A cluster started with a secret refuses clients that do not prove it; see <c>Security</c> in the README.</remarks>
    public string? SecretFile { get; init; }

    /// <summary>The PKCS#12 (<c>.pfx</c>) file of the cluster's TLS certificate; null takes <c>dataflow.tls-cert</c>
    /// (no TLS by default).</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The file holding the certificate's password; null takes <c>dataflow.tls-cert-password-file</c>.</summary>
    public string? TlsCertificatePasswordFile { get; init; }

    /// <summary>The address this process binds (default 127.0.0.1); beyond loopback it needs TLS and the secret.</summary>
    public string? Hostname { get; init; }

    /// <summary>The address the cluster reaches this process at, when it differs from <see cref="Hostname"/>.</summary>
    public string? PublicHostname { get; init; }

    /// <summary>Concurrent logical-worker computations of an embedded node (0: cores / intra-op threads).</summary>
    public int ComputeThreads { get; init; }

    /// <summary>Called with a line when a followed job goes quiet (a node paused, a coordinator failing over, a job
    /// submitted again), so that a caller never waits without knowing why; null ignores them.</summary>
    public Action<string>? Notice { get; init; }
}
