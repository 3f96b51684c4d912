namespace Dataflow.Actors.Runtime;

/// <summary>How one process takes part in a Dataflow cluster.</summary>
public sealed record NodeOptions
{
    /// <summary>The name of the actor system every member uses.</summary>
    public const string SystemName = "dataflow";

    /// <summary>Interface and address to bind and advertise.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

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

    /// <summary>True when this node runs agents, stages and may host the coordinator.</summary>
    public bool IsCompute => Roles.Contains("compute");
}
