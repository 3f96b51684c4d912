using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>Jobs that outlive their clients: <c>run --detach</c>, <c>jobs list|logs|result|stop</c>, a client killed
/// mid-job, against real host processes on loopback ports (all killed at the end).</summary>
public sealed class JobsProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);

    private static readonly string[] s_job =
        ["run", "train", "--logical-workers", "4", "--steps", "300", "--seed", "5", "--batch", "32"];

    private static readonly Lazy<Task<string>> s_embeddedWeights = new(async () =>
    {
        var run = await LocalHosts.RunCliAsync([.. s_job, "--json", "-", "--quiet"], s_limit);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement.GetProperty("weightsSha256").GetString()!;
    });

    [Fact]
    public async Task A_detached_job_is_listed_followed_and_its_result_fetched_with_the_embedded_weights()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync(["--compute-threads", "1"]);
        await hosts.StartAsync(["--compute-threads", "1"]);
        var cluster = $"127.0.0.1:{hosts.Ports[1]}";

        var submit = await LocalHosts.RunCliAsync([.. s_job, "--cluster", cluster, "--detach"], s_limit);
        Assert.True(submit.ExitCode == 0, submit.Stderr);
        var id = submit.Stdout.Trim();
        Assert.StartsWith("train-", id);

        // DATAFLOW_CLUSTER stands in for --cluster.
        var env = new Dictionary<string, string?> { ["DATAFLOW_CLUSTER"] = hosts.Seed };
        var list = await LocalHosts.RunCliAsync(["jobs", "list", "--json"], s_limit, environment: env);
        Assert.True(list.ExitCode == 0, list.Stderr);
        var listed = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Single(j => j.GetProperty("jobId").GetString() == id);
        Assert.Equal("train", listed.GetProperty("workload").GetString());
        Assert.Contains(listed.GetProperty("state").GetString(), new[] { "starting", "running", "completed" });

        var logs = await LocalHosts.RunCliAsync(["jobs", "logs", id, "--follow"], s_limit, output.WriteLine, environment: env);
        output.WriteLine(logs.Stdout);
        Assert.True(logs.ExitCode == 0, logs.Stderr);
        Assert.Contains("300/300 loss", logs.Stdout);
        Assert.Contains($"job {id} completed", logs.Stdout);

        var result = await LocalHosts.RunCliAsync(["jobs", "result", id, "--json", "-"], s_limit, environment: env);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(id, json.GetProperty("jobId").GetString());
        Assert.Equal(300, json.GetProperty("inputs").GetProperty("steps").GetInt32());
        Assert.Equal(await s_embeddedWeights.Value, json.GetProperty("weightsSha256").GetString());
        Assert.Contains("weights sha256", result.Stderr);

        var table = await LocalHosts.RunCliAsync(["jobs", "--cluster", cluster], s_limit);
        Assert.Matches($@"{id}\s+train\s+completed\s+300/300", table.Stdout);
    }

    [Fact]
    public async Task Jobs_stop_cancels_a_running_job_and_an_unknown_id_is_refused()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync(["--compute-threads", "1"]);
        var submit = await LocalHosts.RunCliAsync(["run", "train", "--steps", "100000", "--cluster", hosts.Seed, "--detach"], s_limit);
        Assert.True(submit.ExitCode == 0, submit.Stderr);
        var id = submit.Stdout.Trim();

        var stop = await LocalHosts.RunCliAsync(["jobs", "stop", id, "--cluster", hosts.Seed], s_limit);
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Contains($"{id} cancelled", stop.Stdout);

        var result = await LocalHosts.RunCliAsync(["jobs", "result", id, "--cluster", hosts.Seed], s_limit);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cancelled", result.Stderr);

        var unknown = await LocalHosts.RunCliAsync(["jobs", "result", "no-such-job", "--cluster", hosts.Seed], s_limit);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("no job no-such-job", unknown.Stderr);
    }

    [Fact]
    public async Task A_client_killed_mid_job_leaves_the_job_running_and_logs_follow_reattaches()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync(["--compute-threads", "1"]);
        await hosts.StartAsync(["--compute-threads", "1"]);
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = hosts.StartCli([.. s_job, "--cluster", hosts.Seed], line =>
        {
            output.WriteLine(line);
            if (line.StartsWith("6", StringComparison.Ordinal) && line.Contains("/300", StringComparison.Ordinal))
            {
                progressed.TrySetResult();
            }
        });
        Assert.Same(progressed.Task, await Task.WhenAny(progressed.Task, Task.Delay(s_limit)));
        client.Kill(entireProcessTree: true);
        await client.WaitForExitAsync();

        var list = await LocalHosts.RunCliAsync(["jobs", "list", "--json", "--cluster", hosts.Seed], s_limit);
        Assert.True(list.ExitCode == 0, list.Stderr);
        var job = Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray());
        var id = job.GetProperty("jobId").GetString()!;
        Assert.NotEqual("cancelled", job.GetProperty("state").GetString());

        var logs = await LocalHosts.RunCliAsync(["jobs", "logs", id, "--follow", "--cluster", hosts.Seed], s_limit);
        Assert.True(logs.ExitCode == 0, logs.Stderr);
        Assert.Contains($"job {id} completed", logs.Stdout);
        var result = await LocalHosts.RunCliAsync(["jobs", "result", id, "--json", "-", "--cluster", hosts.Seed], s_limit);
        Assert.Equal(await s_embeddedWeights.Value,
            JsonDocument.Parse(result.Stdout).RootElement.GetProperty("weightsSha256").GetString());
    }
}
