using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>A minimal HTTP/1.1 server that answers <c>GET /metrics</c> with Prometheus text; the host's <c>--metrics-port</c>.</summary>
/// <remarks>
/// Built on <see cref="TcpListener"/> rather than <c>HttpListener</c> so that port 0 binds a free port atomically.
/// Each connection serves one request and closes (<c>Connection: close</c>); connections are served concurrently, so
/// the render callback must be thread-safe (<see cref="TelemetryCollector.Snapshot"/> is). <c>/metrics</c> answers
/// GET and HEAD with 200 (405 for other methods); every other path is 404; a render failure is 500.
/// </remarks>
public sealed class PrometheusEndpoint : IAsyncDisposable
{
    /// <summary>The default bind address, loopback only.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>The path that serves the metrics.</summary>
    public const string MetricsPath = "/metrics";

    private const int MaxRequestHeadBytes = 16 * 1024;
    private static readonly TimeSpan _requestTimeout = TimeSpan.FromSeconds(10);

    private readonly Func<string> _render;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private PrometheusEndpoint(Func<string> render, TcpListener listener, string host)
    {
        _render = render;
        _listener = listener;
        Host = host;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The address the endpoint is bound to.</summary>
    public string Host { get; }

    /// <summary>The bound port (the one picked by the system when started with port 0).</summary>
    public int Port { get; }

    /// <summary>The scrape URL, <c>http://host:port/metrics</c>.</summary>
    public Uri MetricsUri => new UriBuilder(Uri.UriSchemeHttp, Host, Port, MetricsPath).Uri;

    /// <summary>Serves <paramref name="render"/>'s text, produced afresh for each scrape, on <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="render">Produces the exposition text; called concurrently by simultaneous scrapes.</param>
    /// <param name="port">TCP port; 0 picks a free one (read it back from <see cref="Port"/>).</param>
    /// <param name="host">IP address or host name to bind; <c>*</c> binds every interface.</param>
    /// <exception cref="IOException">The address cannot be bound (the port is in use, say); the message names it.</exception>
    public static PrometheusEndpoint Start(Func<string> render, int port, string host = DefaultHost)
    {
        ArgumentNullException.ThrowIfNull(render);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);

        var address = ResolveHost(host);
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"Cannot serve metrics on {host}:{port}: {e.Message}", e);
        }
        return new PrometheusEndpoint(render, listener, host);
    }

    /// <summary>Serves <paramref name="collector"/>'s snapshots, and the cluster-wide totals from <paramref name="cluster"/> when it returns any.</summary>
    /// <inheritdoc cref="Start(Func{string}, int, string)"/>
    public static PrometheusEndpoint Start(
        TelemetryCollector collector, int port, string host = DefaultHost, Func<ClusterTelemetry?>? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(collector);
        return Start(() => PrometheusFormatter.Format(collector.Snapshot(), cluster?.Invoke()), port, host);
    }

    /// <summary>Stops accepting, lets the requests in flight finish (or cancels them), and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Keys).ConfigureAwait(false);
        _listener.Dispose();
        _stopping.Dispose();
    }

    private static IPAddress ResolveHost(string host)
    {
        if (host is "*" or "+")
        {
            return IPAddress.Any;
        }
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw new IOException($"Cannot serve metrics on {host}: the host name has no address");
        }
        catch (SocketException e)
        {
            throw new IOException($"Cannot serve metrics on {host}: {e.Message}", e);
        }
    }

    private async Task AcceptLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || stopping.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException)
            {
                // A client that reset before being accepted; keep serving the others.
                continue;
            }
            var connection = Task.Run(() => ServeAsync(client, stopping), CancellationToken.None);
            // Added before the removal can run, so no finished connection lingers in the set.
            _connections.TryAdd(connection, 0);
            _ = connection.ContinueWith(
                static (task, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(task, out _),
                _connections, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            var head = await ReadRequestHeadAsync(stream, timeout.Token).ConfigureAwait(false);
            var response = head is null ? Response(400, "Bad Request", "bad request\n") : Route(head);
            await stream.WriteAsync(response, timeout.Token).ConfigureAwait(false);
            await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client went away, was too slow, or the endpoint is stopping: nothing to answer.
        }
    }

    private byte[] Route(string head)
    {
        // Request line: METHOD SP request-target SP HTTP-version (RFC 9112 section 3).
        var lineEnd = head.IndexOf('\r');
        var parts = (lineEnd < 0 ? head : head[..lineEnd]).Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return Response(400, "Bad Request", "bad request\n");
        }
        var (method, target) = (parts[0], parts[1]);
        var query = target.IndexOf('?');
        var path = query < 0 ? target : target[..query];
        if (path != MetricsPath)
        {
            return Response(404, "Not Found", $"not found; metrics are at {MetricsPath}\n");
        }
        if (method is not ("GET" or "HEAD"))
        {
            return Response(405, "Method Not Allowed", "only GET and HEAD\n", "Allow: GET, HEAD\r\n");
        }
        string text;
        try
        {
            text = _render();
        }
        catch (Exception e)
        {
            return Response(500, "Internal Server Error", $"metrics unavailable: {e.Message}\n");
        }
        return Response(200, "OK", text, contentType: PrometheusFormatter.ContentType, omitBody: method == "HEAD");
    }

    private static byte[] Response(
        int status, string reason, string body, string extraHeaders = "",
        string contentType = "text/plain; charset=utf-8", bool omitBody = false)
    {
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {bodyBytes.Length}\r\n" +
            $"Connection: close\r\n{extraHeaders}\r\n";
        var headBytes = Encoding.ASCII.GetBytes(head);
        if (omitBody)
        {
            return headBytes;
        }
        var response = new byte[headBytes.Length + bodyBytes.Length];
        headBytes.CopyTo(response, 0);
        bodyBytes.CopyTo(response, headBytes.Length);
        return response;
    }

    /// <summary>Reads up to the blank line ending the request head; null if the client closed first or sent too much.</summary>
    private static async Task<string?> ReadRequestHeadAsync(NetworkStream stream, CancellationToken cancel)
    {
        var buffer = new byte[MaxRequestHeadBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }
            // Search from a few bytes back: the terminator may straddle two reads.
            var from = Math.Max(0, length - 3);
            length += read;
            if (buffer.AsSpan(from, length - from).IndexOf("\r\n\r\n"u8) >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, length);
            }
        }
        return null;
    }
}
