using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>Jobs are never lost: a host stopped with SIGSTOP for 30 s (the cluster downs it; it rejoins), the
/// coordinator's host killed before the job's first checkpoint, and a cluster on a machine that busy processes
/// compete for. Real host processes on loopback ports, all killed at the end.</summary>
public sealed class PausedHostProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    private static readonly string[] s_train =
        ["run", "train", "--logical-workers", "4", "--steps", "400", "--seed", "8", "--batch", "32"];

    private static readonly string[] s_nqs =
        ["run", "nqs", "--fcidump", "lih", "--iterations", "80", "--checkpoint-every", "1000"];

    private static readonly Dictionary<string, Lazy<Task<JsonElement>>> s_embedded = new()
    {
        ["train"] = new(() => Embedded(s_train)),
        ["nqs"] = new(() => Embedded(s_nqs)),
    };

    /// <summary>Host 0 is the oldest and runs the coordinator and the job's driver; host 1 is a plain worker.</summary>
    [Theory]
    [InlineData("train", 0)]
    [InlineData("train", 1)]
    [InlineData("nqs", 0)]
    [InlineData("nqs", 1)]
    public async Task A_host_paused_for_30_s_rejoins_and_the_job_ends_as_the_uninterrupted_run(string workload, int victim)
    {
        var job = workload == "train" ? s_train : s_nqs;
        var expected = await s_embedded[workload].Value;
        using var hosts = new LocalHosts();
        await hosts.StartAsync(["--compute-threads", "1"]);
        await hosts.StartAsync(["--compute-threads", "1"]);
        var paused = 0;
        var pause = Task.CompletedTask;
        var run = await LocalHosts.RunCliAsync([.. job, "--cluster", $"127.0.0.1:{hosts.Ports[1]}", "--json", "-"], s_limit, line =>
        {
            output.WriteLine(line);
            var slash = line.IndexOf('/');
            if (slash > 0 && long.TryParse(line[..slash], out var done) && done >= 8 && Interlocked.Exchange(ref paused, 1) == 0)
            {
                pause = Task.Run(async () =>
                {
                    hosts.Pause(victim);
                    await Task.Delay(TimeSpan.FromSeconds(30));
                    hosts.Resume(victim);
                });
            }
        });
        await pause;
        Assert.True(run.ExitCode == 0, run.Stderr + string.Join("\n", hosts.Log));
        Assert.Equal(1, paused);
        var result = JsonDocument.Parse(run.Stdout).RootElement;
        if (workload == "train")
        {
            Assert.Equal(expected.GetProperty("weightsSha256").GetString(), result.GetProperty("weightsSha256").GetString());
        }
        else
        {
            Assert.Equal(Energies(expected), Energies(result));
        }
        // The client said what it was waiting for while the paused host held the job.
        if (victim == 0)
        {
            Assert.Contains("dataflow: ", run.Stderr);
        }
        await AssertBothHostsAreMembers(hosts);
    }

    [Fact]
    public async Task A_job_whose_coordinator_host_dies_before_any_checkpoint_is_restarted_from_its_spec()
    {
        var expected = await s_embedded["nqs"].Value;
        using var hosts = new LocalHosts();
        for (var i = 0; i < 3; i++)
        {
            await hosts.StartAsync(["--compute-threads", "1"]);
        }
        // --checkpoint-every 1000: the only replica is the spec, replicated when the job was accepted.
        var json = await RunWithKilledHost.RunAsync(hosts, s_nqs, via: 1, victim: 0, killAt: 3,
            Path.Combine(Path.GetTempPath(), $"dataflow-spec-only-{Guid.NewGuid():N}.json"), s_limit, output);
        Assert.Equal(Energies(expected), Energies(json));
    }

    [Fact]
    public async Task Three_hosts_competing_with_two_busy_processes_give_the_uninterrupted_result()
    {
        var expected = await s_embedded["train"].Value;
        using var hosts = new LocalHosts();
        var busy = Enumerable.Range(0, 2).Select(_ => System.Diagnostics.Process.Start("sh", ["-c", "while :; do :; done"])).ToList();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync(["--compute-threads", "1"]);
            }
            var run = await LocalHosts.RunCliAsync([.. s_train, "--cluster", $"127.0.0.1:{hosts.Ports[1]}", "--json", "-"],
                TimeSpan.FromMinutes(8), output.WriteLine);
            Assert.True(run.ExitCode == 0, run.Stderr + string.Join("\n", hosts.Log));
            Assert.Equal(expected.GetProperty("weightsSha256").GetString(),
                JsonDocument.Parse(run.Stdout).RootElement.GetProperty("weightsSha256").GetString());
        }
        finally
        {
            foreach (var p in busy)
            {
                p.Kill();
                p.Dispose();
            }
        }
    }

    private static async Task AssertBothHostsAreMembers(LocalHosts hosts)
    {
        // A rejoining host needs the survivors to remove its old incarnation first: allow it time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var status = await LocalHosts.RunCliAsync(["status", "--json", "--cluster", $"127.0.0.1:{hosts.Ports[1]}"], s_limit);
            if (status.ExitCode == 0)
            {
                last = status.Stdout;
                var up = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean())
                    .Select(m => m.GetProperty("address").GetString())
                    .ToHashSet();
                if (hosts.Ports.All(p => up.Contains($"127.0.0.1:{p}")))
                {
                    return;
                }
            }
            await Task.Delay(2000);
        }
        Assert.Fail($"not every host is an Up member again:\n{last}\n{string.Join("\n", hosts.Log)}");
    }

    private static async Task<JsonElement> Embedded(string[] job)
    {
        var run = await LocalHosts.RunCliAsync([.. job, "--json", "-", "--quiet"], s_limit);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    private static double[] Energies(JsonElement result) =>
        result.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("energy").GetDouble()).ToArray();
}
