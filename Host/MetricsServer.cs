using System.Net;
using Dataflow.Actors.Runtime.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dataflow.Host;

/// <summary>The host's telemetry exporters, by OpenTelemetry: the <c>Dataflow</c> meter with .NET runtime and process
/// metrics as Prometheus text on <c>--metrics-port</c> (Kestrel, 127.0.0.1), and metrics and job traces over OTLP to
/// <c>--otlp-endpoint</c>.</summary>
/// <remarks>Every series is this node's own (the <c>node</c> label on stage series, the scrape target on the others):
/// summing over hosts is PromQL's job, so a Prometheus that scrapes every host counts nothing twice. Counters are
/// exported as counters (<c>_total</c>), latencies as histograms; rates are <c>rate()</c>'s.</remarks>
internal sealed class MetricsServer : IAsyncDisposable
{
    private readonly WebApplication? _web;
    private readonly MeterProvider? _otlpMetrics;
    private readonly TracerProvider? _otlpTraces;

    private MetricsServer(WebApplication? web, int port, MeterProvider? otlpMetrics, TracerProvider? otlpTraces)
    {
        _web = web;
        Port = port;
        _otlpMetrics = otlpMetrics;
        _otlpTraces = otlpTraces;
    }

    /// <summary>The port <c>/metrics</c> is served on, or -1 without one.</summary>
    public int Port { get; }

    /// <summary>Starts what the options ask for: Prometheus on <paramref name="port"/> (0 picks a free one; -1 none)
    /// and OTLP to <paramref name="otlpEndpoint"/> (null: none).</summary>
    /// <param name="node">This node's address, the OpenTelemetry service instance.</param>
    /// <exception cref="IOException">The port cannot be bound.</exception>
    public static async Task<MetricsServer> StartAsync(int port, Uri? otlpEndpoint, string node)
    {
        void Resource(ResourceBuilder r) => r.AddService("dataflow-host", serviceInstanceId: node);
        // OTLP over HTTP/protobuf: the signal's path is appended to the endpoint (as OTEL_EXPORTER_OTLP_ENDPOINT).
        void Otlp(OtlpExporterOptions o, string signal)
        {
            o.Protocol = OtlpExportProtocol.HttpProtobuf;
            o.Endpoint = new Uri(otlpEndpoint!, signal);
        }
        void OtlpMetrics(OtlpExporterOptions exporter, MetricReaderOptions reader)
        {
            Otlp(exporter, "v1/metrics");
            // Every 10 s unless OTEL_METRIC_EXPORT_INTERVAL (milliseconds) says otherwise.
            if (Environment.GetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL") is null)
            {
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000;
            }
        }
        // One meter provider feeds every exporter: the runtime and process instruments are observed once per
        // collection, whichever exporter asks.
        MeterProviderBuilder Instruments(MeterProviderBuilder m)
        {
            m.AddMeter(DataflowMeter.Name).AddRuntimeInstrumentation().AddProcessInstrumentation();
            return otlpEndpoint is null ? m : m.AddOtlpExporter(OtlpMetrics);
        }
        WebApplication? web = null;
        var bound = -1;
        MeterProvider? metrics = null;
        TracerProvider? traces = null;
        if (port >= 0)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(Resource)
                .WithMetrics(m => Instruments(m).AddPrometheusExporter());
            if (otlpEndpoint is not null)
            {
                telemetry.WithTracing(t => t.AddSource(DataflowMeter.Name).AddOtlpExporter(o => Otlp(o, "v1/traces")));
            }
            web = builder.Build();
            web.MapPrometheusScrapingEndpoint("/metrics");
            await web.StartAsync();
            var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            bound = new Uri(address).Port;
        }
        else if (otlpEndpoint is not null)
        {
            metrics = Instruments(Sdk.CreateMeterProviderBuilder().ConfigureResource(Resource)).Build();
            traces = Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(Resource)
                .AddSource(DataflowMeter.Name)
                .AddOtlpExporter(o => Otlp(o, "v1/traces"))
                .Build();
        }
        return new MetricsServer(web, bound, metrics, traces);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Flushes what the OTLP exporters hold (those of the web application's providers when it is disposed).
        _otlpTraces?.Dispose();
        _otlpMetrics?.Dispose();
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }
    }

}
