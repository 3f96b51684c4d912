using Akka.Actor;
using Akka.Cluster;

namespace Dataflow.Actors.Runtime;

/// <summary>Key-value labels a host advertises to the cluster (<see cref="NodeOptions.Labels"/>), so that a workload
/// can pin work to the host that holds what it needs (an institute's data, a device).</summary>
/// <remarks>Labels travel as cluster roles <c>label:KEY=VALUE</c>: every member knows them as soon as it knows the
/// host, without a protocol of their own. The runtime places nothing by them; a workload's driver reads them with
/// <see cref="Of"/> and its stage with <see cref="Local"/>.</remarks>
public static class NodeLabels
{
    /// <summary>The prefix of the roles that carry labels.</summary>
    public const string RolePrefix = "label:";

    /// <summary>The cluster role that carries label <paramref name="key"/> = <paramref name="value"/>.</summary>
    public static string Role(string key, string value) => $"{RolePrefix}{key}={value}";

    /// <summary>The labels among <paramref name="roles"/>.</summary>
    public static IReadOnlyDictionary<string, string> FromRoles(IEnumerable<string> roles)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            if (role.StartsWith(RolePrefix, StringComparison.Ordinal) && role.IndexOf('=', RolePrefix.Length) is var eq and > 0)
            {
                labels[role[RolePrefix.Length..eq]] = role[(eq + 1)..];
            }
        }
        return labels;
    }

    /// <summary>The labels of the member at <paramref name="address"/> (<c>host:port</c>, as <see cref="ComputeNode.Address"/>)
    /// in <paramref name="system"/>'s view of the cluster; empty when it knows no such member.</summary>
    public static IReadOnlyDictionary<string, string> Of(ActorSystem system, string address)
    {
        var member = Cluster.Get(system).State.Members.FirstOrDefault(m => JobCoordinator.Key(m.Address) == address);
        return member is null ? new Dictionary<string, string>() : FromRoles(member.Roles);
    }

    /// <summary>The labels of <paramref name="system"/>'s own node.</summary>
    public static IReadOnlyDictionary<string, string> Local(ActorSystem system) => FromRoles(Cluster.Get(system).SelfRoles);

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a label key (letters, digits,
    /// '.', '-', '_') and <paramref name="value"/> has no line break.</summary>
    public static void Check(string key, string value)
    {
        if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"label key '{key}': expected letters, digits, '.', '-' or '_'", nameof(key));
        }
        if (value.Length == 0 || value.Any(char.IsControl))
        {
            throw new ArgumentException($"label {key}: expected a non-empty value without control characters", nameof(value));
        }
    }
}
