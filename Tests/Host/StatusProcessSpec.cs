using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow status</c> finds its cluster from <c>--cluster</c>, else <c>DATAFLOW_CLUSTER</c>, else 127.0.0.1:4053.</summary>
public sealed class StatusProcessSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task Status_reads_the_cluster_from_DATAFLOW_CLUSTER()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync();
        var status = await LocalHosts.RunCliAsync(["status", "--json"], TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string?> { ["DATAFLOW_CLUSTER"] = hosts.Seed });
        Assert.True(status.ExitCode == 0, status.Stderr);
        var members = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("members").EnumerateArray()
            .Select(m => m.GetProperty("address").GetString()).ToArray();
        Assert.Contains(hosts.Seed, members);
    }

    [Fact]
    public async Task Status_with_nothing_running_reports_the_default_endpoint_unreachable_with_exit_1()
    {
        // Hold the default port so that no host can be there while the test runs; a plain TCP listener does not
        // speak Akka, so the client cannot join it.
        using var holder = new TcpListener(IPAddress.Loopback, 4053);
        try
        {
            holder.Start();
        }
        catch (SocketException e)
        {
            output.WriteLine($"127.0.0.1:4053 is in use on this machine ({e.SocketErrorCode}); nothing to check");
            return;
        }
        var dir = Directory.CreateTempSubdirectory("dataflow-status-").FullName;
        try
        {
            // A short connect timeout from a --hocon file keeps the test quick (and exercises the setting).
            var fast = Path.Combine(dir, "fast.conf");
            File.WriteAllText(fast, "dataflow.connect-timeout = 2s\n");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var status = await LocalHosts.RunCliAsync(["status", "--hocon", fast], TimeSpan.FromSeconds(60),
                environment: new Dictionary<string, string?> { ["DATAFLOW_CLUSTER"] = null });
            Assert.True(status.ExitCode == 1, $"exit {status.ExitCode}\n{status.Stdout}\n{status.Stderr}");
            Assert.Contains("via 127.0.0.1:4053 within 2 s", status.Stderr);
            Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 30);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
