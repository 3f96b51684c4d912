using System.Text.Json;
using Dataflow.Host;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary>Graceful leave of a host process on SIGTERM.</summary>
public sealed class HostLifetimeSpec
{
    [Fact]
    public async Task SIGTERM_leaves_the_cluster_gracefully_and_exits_0()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync();
        await hosts.StartAsync();
        var exit = await hosts.TerminateAsync(1, TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);
        lock (hosts.Log)
        {
            Assert.Contains(hosts.Log, l => l.Contains($"{hosts.Ports[1]}: leaving the cluster", StringComparison.Ordinal));
            Assert.Contains(hosts.Log, l => l.Contains($"{hosts.Ports[1]}: stopped", StringComparison.Ordinal));
        }

        // The survivor sees one compute member, promptly (a leave needs no failure detection or downing).
        var status = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed, "--json"], TimeSpan.FromSeconds(60));
        Assert.True(status.ExitCode == 0, status.Stderr);
        var members = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "compute"))
            .Select(m => m.GetProperty("address").GetString()!).ToArray();
        Assert.Equal(new[] { $"127.0.0.1:{hosts.Ports[0]}" }, members);
    }
}
