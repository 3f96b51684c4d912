namespace Dataflow.Actors.Runtime;

/// <summary>How one process takes part in a Dataflow cluster.</summary>
public sealed record NodeOptions
{
    /// <summary>The name of the actor system every member uses.</summary>
    public const string SystemName = "dataflow";

    /// <summary>Interface and address to bind (Akka.NET's <c>hostname</c>), and to advertise unless
    /// <see cref="PublicHostname"/> is set.</summary>
    /// <remarks>Anything but loopback (127.0.0.0/8, <c>localhost</c>, <c>::1</c>) needs TLS and a cluster secret.</remarks>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>The address other members reach this node at (Akka.NET's <c>public-hostname</c>); null advertises
    /// <see cref="Hostname"/>. Required with a wildcard bind such as <c>0.0.0.0</c>.</summary>
    public string? PublicHostname { get; init; }

    /// <summary>PKCS#12 file of the cluster's TLS certificate (<c>--tls-cert</c>); null takes <c>dataflow.tls-cert</c>.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>File holding the certificate's password (<c>--tls-cert-password-file</c>); null takes
    /// <c>dataflow.tls-cert-password-file</c>.</summary>
    public string? TlsCertificatePasswordFile { get; init; }

    /// <summary>File holding the cluster secret (<c>--secret-file</c>); null takes <c>dataflow.secret-file</c>.</summary>
    public string? SecretFile { get; init; }

    /// <summary>Remoting port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Seed nodes as <c>host:port</c>; empty means this node founds the cluster by joining itself.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>Cluster roles: <c>compute</c> hosts agents, stages and the coordinator; <c>client</c> only submits.</summary>
    public IReadOnlyList<string> Roles { get; init; } = ["compute"];

    /// <summary>Extra HOCON files layered over <c>hocon/dataflow.conf</c>, later files winning.</summary>
    public IReadOnlyList<string> HoconFiles { get; init; } = [];

    /// <summary>Concurrent logical-worker computations per node; 0 means cores / intra-op threads.</summary>
    public int ComputeThreads { get; init; }

    /// <summary>The folder the node writes job output files under (<c>dataflow.work-dir</c>), or null to keep the
    /// configuration's.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Labels the node advertises to the cluster (<see cref="NodeLabels"/>); a workload may pin work by them.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>True when this node runs agents, stages and may host the coordinator.</summary>
    public bool IsCompute => Roles.Contains("compute");
}
