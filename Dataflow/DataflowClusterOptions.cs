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

    /// <summary>Concurrent logical-worker computations of an embedded node (0: cores / intra-op threads).</summary>
    public int ComputeThreads { get; init; }

    /// <summary>Called with a line when a followed job goes quiet (a node paused, a coordinator failing over, a job
    /// submitted again), so that a caller never waits without knowing why; null ignores them.</summary>
    public Action<string>? Notice { get; init; }
}
