using Akka.Cluster;

namespace Dataflow.Actors.Runtime;

/// <summary>What a process remembers of the cluster across restarts of its actor system: the compute hosts it saw and
/// whether it was the oldest of them. A host or client the cluster downed rejoins through these.</summary>
/// <remarks>Read once a second from the cluster state of the node being watched; the node's own address is kept out.
/// </remarks>
public sealed class MemberMemory : IDisposable
{
    private readonly SortedSet<string> _hosts = new(StringComparer.Ordinal);
    private Timer? _timer;
    private bool _wasOldest;

    /// <summary>Starts with <paramref name="seeds"/> (the configured seeds) as the known hosts.</summary>
    /// <param name="founder">True for a process that founds the cluster: the oldest until it sees otherwise.</param>
    public MemberMemory(IEnumerable<string> seeds, bool founder)
    {
        _hosts.UnionWith(seeds);
        _wasOldest = founder;
    }

    /// <summary>The compute hosts seen so far, this node's own address left out.</summary>
    public IReadOnlyList<string> Hosts(string self)
    {
        lock (_hosts)
        {
            return _hosts.Where(a => a != self).ToArray();
        }
    }

    /// <summary>Whether this process was the oldest compute member the last time it was Up.</summary>
    public bool WasOldest
    {
        get
        {
            lock (_hosts)
            {
                return _wasOldest;
            }
        }
    }

    /// <summary>Follows <paramref name="node"/> from now on (instead of the node watched before).</summary>
    public void Watch(DataflowNode node)
    {
        var cluster = Cluster.Get(node.System);
        _timer?.Dispose();
        _timer = new Timer(_ =>
        {
            var state = cluster.State;
            var compute = state.Members.Where(m => m.HasRole("compute")).ToArray();
            lock (_hosts)
            {
                _hosts.UnionWith(compute.Select(m => JobCoordinator.Key(m.Address)));
                if (cluster.SelfMember.Status == MemberStatus.Up)
                {
                    var oldest = compute.Where(m => m.Status == MemberStatus.Up).OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
                    _wasOldest = oldest is null || oldest.Address.Equals(cluster.SelfAddress);
                }
            }
        }, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();
}
