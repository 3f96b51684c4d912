using System.Net;
using System.Net.Sockets;
using Dataflow.Actors.Runtime.Telemetry;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

public sealed class PrometheusEndpointSpec : IDisposable
{
    private readonly string _node = $"node-{Guid.NewGuid():N}:4053";
    private readonly string _job = $"job-{Guid.NewGuid():N}";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Serves_metrics_to_an_http_client_scrape()
    {
        using var collector = new TelemetryCollector(_node);
        using var stage = new StageTelemetry(_job, "classifier", "w0", _node);
        stage.RecordMessage(TimeSpan.FromMilliseconds(500));
        stage.AddItems(30);
        stage.AddBytesIn(4096);
        stage.ReportMailboxDepth(2);
        await using var endpoint = PrometheusEndpoint.Start(
            collector, port: 0, cluster: () => TelemetryAggregate.Merge([collector.Snapshot()]));

        Assert.NotEqual(0, endpoint.Port);
        Assert.Equal($"http://127.0.0.1:{endpoint.Port}/metrics", endpoint.MetricsUri.ToString());
        using var response = await _http.GetAsync(endpoint.MetricsUri);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contentType = response.Content.Headers.ContentType!;
        Assert.Equal("text/plain", contentType.MediaType);
        Assert.Contains(contentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var parsed = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        var labels = new[] { ("job", _job), ("stage", "classifier"), ("worker", "w0"), ("node", _node) };
        Assert.Equal(1, parsed.Value("dataflow_stage_messages_total", labels));
        Assert.Equal(0.5, parsed.Value("dataflow_stage_busy_seconds_total", labels));
        Assert.Equal(30, parsed.Value("dataflow_stage_items_total", labels));
        Assert.Equal(4096, parsed.Value("dataflow_stage_bytes_in_total", labels));
        Assert.Equal(2, parsed.Value("dataflow_stage_mailbox_depth", labels));
        Assert.True(parsed.Value("dataflow_node_managed_memory_bytes", ("node", _node)) > 0);
        Assert.Equal(30, parsed.Value("dataflow_cluster_stage_items_total", ("job", _job), ("stage", "classifier")));
    }

    [Fact]
    public async Task Other_paths_are_not_found_and_other_methods_not_allowed()
    {
        await using var endpoint = PrometheusEndpoint.Start(() => "", port: 0);
        var root = $"http://127.0.0.1:{endpoint.Port}";

        using var missing = await _http.GetAsync($"{root}/");
        using var near = await _http.GetAsync($"{root}/metrics/extra");
        using var post = await _http.PostAsync($"{root}/metrics", new StringContent("x"));
        using var query = await _http.GetAsync($"{root}/metrics?name[]=x");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, near.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
    }

    [Fact]
    public async Task Concurrent_scrapes_all_succeed()
    {
        using var collector = new TelemetryCollector(_node);
        using var stage = new StageTelemetry(_job, "sampler", "w0", _node);
        await using var endpoint = PrometheusEndpoint.Start(collector, port: 0);

        var scrapes = Enumerable.Range(1, 16).Select(async i =>
        {
            stage.AddItems(1);
            return PrometheusText.Parse(await _http.GetStringAsync(endpoint.MetricsUri));
        });
        var results = await Task.WhenAll(scrapes);

        Assert.All(results, r => Assert.InRange(r.Value("dataflow_stage_items_total", ("job", _job)), 1, 16));
    }

    [Fact]
    public async Task A_render_failure_is_a_server_error_and_the_endpoint_keeps_serving()
    {
        var calls = 0;
        await using var endpoint = PrometheusEndpoint.Start(
            () => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("boom") : "# ok\n", port: 0);

        using var failed = await _http.GetAsync(endpoint.MetricsUri);
        using var next = await _http.GetAsync(endpoint.MetricsUri);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("boom", await failed.Content.ReadAsStringAsync());
        Assert.Equal("# ok\n", await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_port_in_use_fails_with_a_message_naming_it()
    {
        await using var first = PrometheusEndpoint.Start(() => "", port: 0);

        var error = Assert.Throws<IOException>(() => PrometheusEndpoint.Start(() => "", first.Port));

        Assert.Contains(first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public async Task Dispose_stops_serving_and_releases_the_port()
    {
        var endpoint = PrometheusEndpoint.Start(() => "# one\n", port: 0);
        var port = endpoint.Port;
        Assert.Equal("# one\n", await _http.GetStringAsync(endpoint.MetricsUri));

        await endpoint.DisposeAsync();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetStringAsync(endpoint.MetricsUri));
        Assert.IsType<SocketException>(refused.InnerException);
        // The port is free again, even with the scrape's connection in TIME_WAIT.
        await using var again = PrometheusEndpoint.Start(() => "# two\n", port);
        Assert.Equal("# two\n", await _http.GetStringAsync(again.MetricsUri));
    }
}
