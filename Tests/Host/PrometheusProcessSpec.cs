using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>A real Prometheus server (Debian's) scraping three hosts while a job runs: the per-node series add up in
/// PromQL, with <c>rate()</c> over the items counters.</summary>
public sealed class PrometheusProcessSpec(ITestOutputHelper output)
{
    [PrometheusServerFact]
    public async Task Prometheus_scraping_three_hosts_shows_the_jobs_item_rate_per_node()
    {
        using var hosts = new LocalHosts();
        var metricsPorts = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var port = LocalHosts.FreePort();
            metricsPorts.Add(port);
            await hosts.StartAsync(["--metrics-port", port.ToString(CultureInfo.InvariantCulture)]);
        }
        var dir = Directory.CreateTempSubdirectory("dataflow-prometheus-");
        var promPort = LocalHosts.FreePort();
        var targets = string.Join(", ", metricsPorts.Select(p => $"'127.0.0.1:{p}'"));
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: dataflow
                static_configs:
                  - targets: [{targets}]
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(PrometheusTools.Find("prometheus")!,
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{promPort}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        prometheus.OutputDataReceived += (_, _) => { };
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        using var interrupt = new CancellationTokenSource();
        var run = LocalHosts.RunCliAsync(
            ["run", "train", "--model", "cnn", "--logical-workers", "6", "--batch", "32", "--steps", "1000000", "--quiet",
             "--cluster", hosts.Seed], TimeSpan.FromMinutes(5), interrupt: interrupt.Token);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            const string rateQuery = "sum by (node) (rate(dataflow_stage_items_total{workload=\"train\",stage=\"train\"}[5s]))";
            JsonElement rates = default;
            double up = 0;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
            while (DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                await Task.Delay(1000);
                try
                {
                    up = Scalar(await Query(http, promPort, "sum(up{job=\"dataflow\"})"));
                    rates = await Query(http, promPort, rateQuery);
                }
                catch (HttpRequestException)
                {
                    continue; // Prometheus still starting.
                }
                if (up == 3 && rates.GetArrayLength() >= 2 && rates.EnumerateArray().All(r => Value(r) > 0))
                {
                    break;
                }
            }
            output.WriteLine($"up {up}; {rateQuery}: {rates}");
            Assert.False(run.IsCompleted, "the job ended before Prometheus saw it");
            Assert.Equal(3, up);
            // Every compute host runs train workers, each its own series; their sum is the job's rate.
            Assert.True(rates.GetArrayLength() >= 2, rates.ToString());
            Assert.All(rates.EnumerateArray(), r => Assert.True(Value(r) > 0, r.ToString()));
            // Evaluated at one instant, the per-node rates add up to the job's.
            var at = DateTimeOffset.UtcNow.AddSeconds(-2).ToUnixTimeMilliseconds() / 1000.0;
            var perNode = await Query(http, promPort, rateQuery, at);
            var total = Scalar(await Query(http, promPort, "sum(rate(dataflow_stage_items_total{workload=\"train\",stage=\"train\"}[5s]))", at));
            Assert.Equal(perNode.EnumerateArray().Sum(Value), total, total * 1e-9);
        }
        finally
        {
            interrupt.Cancel();
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            dir.Delete(recursive: true);
        }
    }

    private static async Task<JsonElement> Query(HttpClient http, int port, string promql, double? at = null)
    {
        var time = at is { } t ? $"&time={t.ToString("F3", CultureInfo.InvariantCulture)}" : "";
        var json = await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(promql)}{time}");
        return JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("result");
    }

    private static double Value(JsonElement sample) =>
        double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);

    private static double Scalar(JsonElement result) => result.GetArrayLength() == 0 ? 0 : Value(result[0]);
}
