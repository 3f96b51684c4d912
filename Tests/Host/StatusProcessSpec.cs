using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dataflow.Host;
using Json.Schema;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow status</c> finds its cluster from <c>--cluster</c>, else <c>DATAFLOW_CLUSTER</c>, else 127.0.0.1:4053;
/// its JSON follows its published schema, it does not list itself as a member, and <c>--watch</c> refreshes.</summary>
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

    [Fact]
    public async Task Json_follows_the_schema_lists_hosts_not_clients_and_watch_refreshes()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync();
        await hosts.StartAsync();
        var status = await LocalHosts.RunCliAsync(["status", "--json", "--cluster", hosts.Seed], TimeSpan.FromSeconds(60));
        Assert.True(status.ExitCode == 0, status.Stderr);
        output.WriteLine(status.Stdout);
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "status.schema.json")));
        var evaluation = schema.Evaluate(JsonNode.Parse(status.Stdout), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(evaluation.IsValid, string.Join("\n", evaluation.Details.Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        var root = JsonDocument.Parse(status.Stdout).RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        var members = root.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()).ToArray();
        Assert.Equal(hosts.Ports.Select(p => $"127.0.0.1:{p}").Order(StringComparer.Ordinal), members);
        Assert.True(root.GetProperty("clients").GetInt32() >= 1);
        // The schema rejects what it does not describe (a wrong implementation would not be caught otherwise).
        var altered = JsonNode.Parse(status.Stdout)!.AsObject();
        altered["members"]![0]!.AsObject()["throughput"] = 1.0;
        Assert.False(schema.Evaluate(altered).IsValid);

        var text = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed], TimeSpan.FromSeconds(60));
        Assert.Contains("THROUGHPUT items/s", text.Stdout);
        // At least this one: a client that just left may still be a member for a moment.
        Assert.Matches(@"(?m)^clients      [1-9]\d* \(this one included\)$", text.Stdout);
        Assert.DoesNotContain("client ", text.Stdout.Split('\n').Where(l => l.StartsWith("127.0.0.1", StringComparison.Ordinal)));

        // --watch prints again every interval until SIGTERM (Ctrl-C).
        var prints = 0;
        using var enough = new SemaphoreSlim(0);
        hosts.StartCli(["status", "--watch", "--interval", "0.5", "--cluster", hosts.Seed], line =>
        {
            if (line.StartsWith("coordinator", StringComparison.Ordinal) && Interlocked.Increment(ref prints) == 3)
            {
                enough.Release();
            }
        });
        Assert.True(await enough.WaitAsync(TimeSpan.FromSeconds(120)), $"{prints} prints");
        var exit = await hosts.TerminateAsync(2, TimeSpan.FromSeconds(30));
        // A clean stop exits 0; one slower than the signal grace period exits 143 (128 + SIGTERM).
        Assert.True(exit is 0 or 143, $"exit {exit}");

        var noWatch = await LocalHosts.RunCliAsync(["status", "--interval", "1", "--cluster", hosts.Seed], TimeSpan.FromSeconds(60));
        Assert.Equal(2, noWatch.ExitCode);
        Assert.Contains("--interval needs --watch", noWatch.Stderr);
    }
}
