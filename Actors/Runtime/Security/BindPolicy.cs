using System.Net;

namespace Dataflow.Actors.Runtime.Security;

/// <summary>A node whose bind address reaches beyond loopback without TLS and a cluster secret, or that listens on a
/// wildcard address without an address to advertise: refused before anything starts.</summary>
/// <remarks>A <see cref="FormatException"/>, so the command line reports it as a bad input: one line, exit code 2.</remarks>
public sealed class InsecureBindException(string message) : FormatException(message);

/// <summary>Which binds need TLS and a cluster secret: every one outside loopback.</summary>
public static class BindPolicy
{
    /// <summary>True for <c>localhost</c> and addresses in 127.0.0.0/8 or <c>::1</c>.</summary>
    public static bool IsLoopback(string hostname) =>
        string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(hostname.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>True for <c>0.0.0.0</c> and <c>::</c>, which listen on every interface but name none.</summary>
    public static bool IsWildcard(string hostname) =>
        IPAddress.TryParse(hostname.Trim('[', ']'), out var address)
        && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));

    /// <summary>Throws <see cref="InsecureBindException"/> unless a node may bind <paramref name="hostname"/>.</summary>
    /// <param name="hostname">The bind address (<c>--hostname</c>).</param>
    /// <param name="publicHostname">The advertised address (<c>--public-hostname</c>), or null for the bind address.</param>
    /// <param name="tls">Whether remoting runs over TLS with the cluster certificate.</param>
    /// <param name="secret">Whether the node holds the cluster secret.</param>
    public static void Check(string hostname, string? publicHostname, bool tls, bool secret)
    {
        if (IsWildcard(hostname) && string.IsNullOrEmpty(publicHostname))
        {
            throw new InsecureBindException(
                $"--hostname {hostname} listens on every interface but is no address other members can reach: " +
                "add --public-hostname NAME (the address or DNS name the others connect to, e.g. --public-hostname 10.0.0.5)");
        }
        if (IsLoopback(hostname) || (tls && secret))
        {
            return;
        }
        var missing = string.Join(" and ", new[]
        {
            tls ? null : "--tls-cert FILE.pfx (make one with 'dataflow cert create --out FILE.pfx')",
            secret ? null : "--secret-file FILE",
        }.Where(m => m is not null));
        throw new InsecureBindException(
            $"--hostname {hostname} is not a loopback address: a node reachable from other machines needs TLS and a cluster " +
            $"secret; add {missing} (or dataflow.tls-cert and dataflow.secret-file in a --hocon file; see 'Security' in the README)");
    }
}
