using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>Real <c>dataflow host</c> processes on loopback ports; every process is killed at the end.</summary>
public sealed class ClusterProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(4);

    private static readonly string[] s_job =
        ["run", "train", "--model", "mlp", "--logical-workers", "6", "--steps", "200", "--seed", "11",
         "--checkpoint-every", "10", "--batch", "64"];

    private static readonly Lazy<Task<JsonElement>> s_embedded = new(async () =>
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-embedded-");
        try
        {
            var json = Path.Combine(dir.FullName, "embedded.json");
            var run = await LocalHosts.RunCliAsync([.. s_job, "--json", json], s_runLimit);
            Assert.True(run.ExitCode == 0, run.Stderr);
            return JsonDocument.Parse(File.ReadAllText(json)).RootElement.Clone();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    });

    /// <summary>Host 2 is the youngest (a plain worker node); host 0 is the oldest and runs the coordinator
    /// singleton, so killing it also exercises coordinator fail-over from the replicated checkpoints.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task Job_survives_a_SIGKILLed_host_with_the_weights_of_the_embedded_run(int victim)
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-kill-");
        try
        {
            var a = await s_embedded.Value;

            using var hosts = new LocalHosts();
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync(["--compute-threads", "1"]);
            }
            // The client joins through host 1, so it stays connected whichever host dies; kill the chosen host at 20 %.
            var b = await RunWithKilledHost.RunAsync(hosts, s_job, via: 1, victim, killAt: 40,
                Path.Combine(dir.FullName, "cluster.json"), s_runLimit, output);
            Assert.Equal("train", b.GetProperty("workload").GetString());
            Assert.Equal(200, b.GetProperty("steps").GetInt64());
            Assert.Equal(a.GetProperty("weightsSha256").GetString(), b.GetProperty("weightsSha256").GetString());
            Assert.Equal(a.GetProperty("finalLoss").GetDouble(), b.GetProperty("finalLoss").GetDouble());
            Assert.True(b.GetProperty("placementChanges").GetInt32() >= 1, "the kill must have moved logical workers");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Unreachable_cluster_is_reported_after_the_connect_timeout_with_exit_code_1()
    {
        // README: "an unreachable cluster is reported after dataflow.connect-timeout (10 s), exit 1". The clock only
        // bounds the wait from below (a loaded machine may take longer to report, never less); the process limit
        // of 120 s catches a client that would wait forever.
        var port = LocalHosts.FreePort();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await LocalHosts.RunCliAsync(["run", "train", "--steps", "5", "--cluster", $"127.0.0.1:{port}"],
            TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Stderr}");
        Assert.Contains($"could not join a Dataflow cluster via 127.0.0.1:{port} within 10 s", run.Stderr);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(10), $"gave up after {clock.Elapsed}, before the 10 s timeout");
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "unknown verb 'frobnicate'")]
    [InlineData(new[] { "run", "train", "--stepz", "5" }, "unknown option --stepz")]
    [InlineData(new[] { "run", "train", "--logical-workers", "0" }, "logicalWorkers")]
    [InlineData(new[] { "run", "train", "--steps", "-3" }, "steps")]
    [InlineData(new[] { "run", "train", "--model", "rnn" }, "--model rnn")]
    [InlineData(new[] { "host", "--seed", "nowhere" }, "--seed nowhere")]
    public async Task Bad_input_exits_2_naming_what_was_wrong(string[] args, string expected)
    {
        var run = await LocalHosts.RunCliAsync(args, TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
    }
}
