using System.Net;
using System.Reflection;
using System.Text;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dataflow.Host.Dashboard;

/// <summary>The host's web dashboard (<c>dataflow host --dashboard-port P</c>), on ASP.NET Core's Kestrel: one page
/// with the cluster's members, jobs, stages and live charts of each job's metrics.</summary>
/// <remarks>
/// Endpoints (the document's schema is <c>Schemas/dashboard.schema.json</c>):
/// <list type="bullet">
/// <item><c>GET /</c>: the page; <c>GET /assets/NAME</c>: its script, style and the vendored uPlot chart library, all
/// embedded in this assembly (no CDN).</item>
/// <item><c>GET /api/v1/status</c>: the latest <see cref="DashboardDocument"/> as JSON.</item>
/// <item><c>GET /api/v1/events</c>: Server-Sent Events, one <c>status</c> event carrying the document after every poll
/// of the coordinator (once a second).</item>
/// <item><c>POST /api/v1/jobs/ID/cancel</c>: cancels a running job (as <c>dataflow jobs stop</c>); 202, 404 for an
/// unknown job, 409 for an ended one.</item>
/// <item><c>GET /api/v1/jobs/ID/result</c>: a completed job's result JSON as a download (as <c>run --json</c>
/// writes it); 404 for an unknown job, 409 for one without a result.</item>
/// </list>
/// The dashboard has no authentication: anyone who reaches it may cancel jobs. It binds 127.0.0.1 unless
/// <c>--dashboard-bind</c> says otherwise.
/// </remarks>
internal sealed class DashboardServer : IAsyncDisposable
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> s_assets = new(StringComparer.Ordinal)
    {
        ["dashboard.js"] = ("Dataflow.Host.Dashboard.dashboard.js", "text/javascript; charset=utf-8"),
        ["dashboard.css"] = ("Dataflow.Host.Dashboard.dashboard.css", "text/css; charset=utf-8"),
        ["uPlot.iife.min.js"] = ("Dataflow.Host.Dashboard.uPlot.iife.min.js", "text/javascript; charset=utf-8"),
        ["uPlot.min.css"] = ("Dataflow.Host.Dashboard.uPlot.min.css", "text/css; charset=utf-8"),
        ["uPlot.LICENSE"] = ("Dataflow.Host.Dashboard.uPlot.LICENSE", "text/plain; charset=utf-8"),
    };

    private readonly WebApplication _web;
    private readonly CancellationTokenSource _stop;
    private readonly Task _polling;

    private DashboardServer(WebApplication web, CancellationTokenSource stop, Task polling, string url)
    {
        _web = web;
        _stop = stop;
        _polling = polling;
        Url = url;
    }

    /// <summary>The page's address, e.g. <c>http://127.0.0.1:8265/</c>.</summary>
    public string Url { get; }

    /// <summary>Starts the dashboard of <paramref name="node"/> on <paramref name="bind"/>:<paramref name="port"/>
    /// (0 picks a free port).</summary>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public static async Task<DashboardServer> StartAsync(DataflowNode node, IPAddress bind, int port)
    {
        var state = new DashboardState(node.Address, node.Coordinator);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(bind, port));
        var web = builder.Build();
        var stop = new CancellationTokenSource();

        web.MapGet("/", (HttpContext context) => WriteResource(context, "Dataflow.Host.Dashboard.index.html", "text/html; charset=utf-8"));
        web.MapGet("/assets/{name}", (HttpContext context, string name) => s_assets.TryGetValue(name, out var asset)
            ? WriteResource(context, asset.Resource, asset.ContentType)
            : Results.NotFound().ExecuteAsync(context));
        web.MapGet("/api/v1/status", (HttpContext context) => WriteJson(context, state.Latest.ToJson()));
        web.MapGet("/api/v1/events", (HttpContext context) => StreamAsync(context, state, stop.Token));
        web.MapPost("/api/v1/jobs/{id}/cancel", (HttpContext context, string id) => CancelAsync(context, node, id));
        web.MapGet("/api/v1/jobs/{id}/result", (HttpContext context, string id) => ResultAsync(context, node, id));

        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address).Port;
        var polling = Task.Run(() => state.RunAsync(stop.Token));
        var host = bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? node.Address.Split(':')[0]
            : bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString();
        return new DashboardServer(web, stop, polling, $"http://{host}:{bound}/");
    }

    private static async Task WriteResource(HttpContext context, string resource, string contentType)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the dashboard's {resource} is missing from the build");
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static Task WriteJson(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    // Server-Sent Events (WHATWG HTML, "server-sent events"): the latest document now, then after every poll.
    private static async Task StreamAsync(HttpContext context, DashboardState state, CancellationToken stop)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stop);
        var updated = new SemaphoreSlim(0);
        void OnUpdated()
        {
            if (updated.CurrentCount == 0)
            {
                updated.Release();
            }
        }
        state.Updated += OnUpdated;
        try
        {
            while (!ended.IsCancellationRequested)
            {
                var text = new StringBuilder("event: status\ndata: ").Append(state.Latest.ToJson()).Append("\n\n").ToString();
                await context.Response.WriteAsync(text, ended.Token);
                await context.Response.Body.FlushAsync(ended.Token);
                await updated.WaitAsync(ended.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away or the host stops.
        }
        finally
        {
            state.Updated -= OnUpdated;
        }
    }

    private static async Task CancelAsync(HttpContext context, DataflowNode node, string id)
    {
        var record = await node.Coordinator.Ask<IDataflowMessage>(new GetJob(id), TimeSpan.FromSeconds(10)) as JobRecord;
        if (record is null)
        {
            await Results.NotFound(new { error = $"no job {id} on this cluster" }).ExecuteAsync(context);
            return;
        }
        if (record.HasEnded)
        {
            await Results.Conflict(new { error = $"job {id} has already ended ({record.State})" }).ExecuteAsync(context);
            return;
        }
        node.Coordinator.Tell(new CancelJob(id, "stopped from the dashboard"));
        await Results.Accepted(value: new { jobId = id, state = "cancelling" }).ExecuteAsync(context);
    }

    private static async Task ResultAsync(HttpContext context, DataflowNode node, string id)
    {
        var record = await node.Coordinator.Ask<IDataflowMessage>(new GetJob(id), TimeSpan.FromSeconds(10)) as JobRecord;
        if (record is null)
        {
            await Results.NotFound(new { error = $"no job {id} on this cluster" }).ExecuteAsync(context);
            return;
        }
        if (record.ResultJson is not { } json)
        {
            await Results.Conflict(new { error = record.HasEnded ? $"job {id} {record.State}: {record.Error}" : $"job {id} is still {record.State}" })
                .ExecuteAsync(context);
            return;
        }
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}.json\"";
        await WriteJson(context, json);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        await _web.StopAsync();
        await _web.DisposeAsync();
        _stop.Dispose();
    }
}
