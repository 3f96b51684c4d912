using System.Text.Json;
using Dataflow.Host;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow status</c> and a host's Prometheus endpoint, read while a job runs on host processes.</summary>
public sealed class TelemetryProcessSpec(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Status_and_metrics_show_every_stage_while_a_job_runs()
    {
        using var hosts = new LocalHosts();
        var metricsPort = LocalHosts.FreePort();
        await hosts.StartAsync(["--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await hosts.StartAsync();
        // A job far longer than the test; the test interrupts it at the end, which must cancel it on the cluster.
        using var interrupt = new CancellationTokenSource();
        var run = LocalHosts.RunCliAsync(
            ["run", "train", "--model", "cnn", "--logical-workers", "8", "--batch", "32", "--steps", "1000000",
             "--cluster", hosts.Seed], TimeSpan.FromMinutes(4), interrupt: interrupt.Token);

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var metricsUrl = $"http://127.0.0.1:{metricsPort}/metrics";
            string scrape = "";
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                scrape = await http.GetStringAsync(metricsUrl);
                if (SampleValue(scrape, "dataflow_stage_items_total{", "stage=\"train\"") > 0 &&
                    scrape.Contains("dataflow_job_step_duration_seconds_count{", StringComparison.Ordinal))
                {
                    break;
                }
                await Task.Delay(500);
            }
            Assert.False(run.IsCompleted, "the job ended before telemetry was seen; make it longer");
            // Counters as counters, latencies as histograms, this node's series only (no cluster totals, no rates).
            Assert.Contains("# TYPE dataflow_stage_busy_seconds_total counter", scrape);
            Assert.Contains("# TYPE dataflow_stage_items_total counter", scrape);
            Assert.Contains("# TYPE dataflow_stage_handle_duration_seconds histogram", scrape);
            Assert.Contains("# TYPE dataflow_job_step_duration_seconds histogram", scrape);
            Assert.Contains("dataflow_stage_mailbox_depth{", scrape);
            Assert.DoesNotContain("dataflow_cluster_", scrape);
            Assert.DoesNotContain("per_second", scrape);
            Assert.Contains($"node=\"127.0.0.1:{hosts.Ports[0]}\"", scrape);
            Assert.DoesNotContain($"node=\"127.0.0.1:{hosts.Ports[1]}\"", scrape);
            // Label names that do not collide with the target labels Prometheus adds (job, instance).
            Assert.Contains("job_id=\"train-", scrape);
            Assert.Contains("workload=\"train\"", scrape);
            Assert.DoesNotContain(scrape.Split('\n'), l => l.StartsWith("dataflow_", StringComparison.Ordinal)
                && (l.Contains("{job=", StringComparison.Ordinal) || l.Contains(",job=", StringComparison.Ordinal)));
            Assert.True(SampleValue(scrape, "dataflow_node_managed_memory_bytes{", "") > 0);
            Assert.True(SampleValue(scrape, "dataflow_stage_received_bytes_total{", "stage=\"train\"") > 0);
            // .NET runtime and process metrics.
            Assert.Contains("# TYPE dotnet_gc_collections_total counter", scrape);
            Assert.Contains("# TYPE process_cpu_time_seconds_total counter", scrape);
            PrometheusTools.AssertPromtoolAccepts(scrape, output);

            var status = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed, "--json"], TimeSpan.FromSeconds(60));
            Assert.True(status.ExitCode == 0, status.Stderr);
            var root = JsonDocument.Parse(status.Stdout).RootElement;
            var compute = root.GetProperty("members").EnumerateArray()
                .Where(m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "compute")).ToArray();
            Assert.Equal(2, compute.Length);
            var job = Assert.Single(root.GetProperty("jobs").EnumerateArray());
            Assert.Equal("running", job.GetProperty("state").GetString());
            Assert.Equal(2, job.GetProperty("workersPerNode").EnumerateObject().Count());
            var stages = root.GetProperty("nodes").EnumerateArray().SelectMany(n => n.GetProperty("stages").EnumerateArray()).ToArray();
            Assert.Contains(stages, s => s.GetProperty("stage").GetString() == "driver");
            Assert.Equal(2, stages.Count(s => s.GetProperty("stage").GetString() == "train"));

            var text = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed], TimeSpan.FromSeconds(60));
            Assert.Contains("MEMBER", text.Stdout);
            Assert.Contains("ITEMS/s", text.Stdout);
        }
        catch
        {
            // A failed check must not leave a million-step client (and its job) running until its own time limit.
            interrupt.Cancel();
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
            throw;
        }

        Assert.False(run.IsCompleted);
        // SIGTERM: the job is cancelled and the client exits 128 + 15.
        interrupt.Cancel();
        var finished = await run;
        Assert.True(finished.ExitCode == 143, finished.Stderr);
        Assert.Contains("the job was cancelled", finished.Stderr);
        var jobsLeft = -1;
        for (var attempt = 0; attempt < 5 && jobsLeft != 0; attempt++)
        {
            var after = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed, "--json"], TimeSpan.FromSeconds(60));
            jobsLeft = JsonDocument.Parse(after.Stdout).RootElement.GetProperty("jobs").GetArrayLength();
        }
        Assert.Equal(0, jobsLeft);
    }

    /// <summary>Sum of the samples of one metric whose label set contains <paramref name="label"/>.</summary>
    private static double SampleValue(string scrape, string prefix, string label) =>
        scrape.Split('\n')
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
