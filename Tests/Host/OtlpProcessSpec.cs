using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow host --otlp-endpoint URL</c>: the host posts its metrics and a span per job run to an OTLP/HTTP
/// receiver (here a stand-in for an OpenTelemetry Collector that keeps what it is sent).</summary>
public sealed class OtlpProcessSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task A_host_exports_the_Dataflow_metrics_and_the_jobs_span_over_otlp()
    {
        var port = LocalHosts.FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var received = new ConcurrentQueue<(string Path, string ContentType, byte[] Body)>();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await receiver.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType ?? "", body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        using var hosts = new LocalHosts();
        var metricsPort = LocalHosts.FreePort();
        // The exporter's interval, read when the host starts: 1 s instead of 10 s keeps the test short.
        Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", "1000");
        try
        {
            // With Prometheus beside it: one meter provider serves both exporters.
            await hosts.StartAsync(["--otlp-endpoint", $"http://127.0.0.1:{port}", "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", null);
        }
        var run = await LocalHosts.RunCliAsync(["run", "train", "--steps", "20", "--quiet", "--cluster", hosts.Seed], TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.Stderr);

        bool Has(string path, string text) => received.Any(r => r.Path == path
            && r.ContentType.StartsWith("application/x-protobuf", StringComparison.Ordinal)
            && Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !(Has("/v1/metrics", "dataflow.stage.items") && Has("/v1/traces", "train job")))
        {
            await Task.Delay(500);
        }
        output.WriteLine(string.Join("\n", received.Select(r => $"{r.Path} {r.ContentType} {r.Body.Length} bytes")));
        // Protobuf keeps strings as UTF-8: instrument names, the span's name and its job_id attribute can be found.
        Assert.True(Has("/v1/metrics", "dataflow.stage.items"), "no OTLP metrics with the Dataflow meter's instruments");
        Assert.True(Has("/v1/metrics", "dataflow.job.step_duration"), "no step-duration histogram");
        Assert.True(Has("/v1/traces", "train job"), "no span of the job");
        Assert.True(Has("/v1/traces", "job_id"), "the span has no job_id attribute");
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            var scrape = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
            Assert.Contains("dataflow_stage_items_total{", scrape);
            Assert.Contains("# TYPE process_cpu_time_seconds_total counter", scrape);
        }
        await stop.CancelAsync();
        receiver.Stop();
        await serving;
    }
}
