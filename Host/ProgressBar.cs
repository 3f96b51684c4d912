namespace Dataflow.Host;

/// <summary>A one-line progress bar on a terminal; on a pipe, a plain line every tenth of the work.</summary>
internal sealed class ProgressBar(TextWriter output, bool enabled) : IDisposable
{
    private const int Width = 30;
    private readonly bool _interactive = enabled && !Console.IsErrorRedirected;
    private readonly object _gate = new();
    private long _lastDecile = -1;
    private int _lastLength;

    public void Update(long done, long total, string detail)
    {
        if (!enabled)
        {
            return;
        }
        lock (_gate)
        {
            var fraction = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
            if (_interactive)
            {
                var filled = (int)Math.Round(fraction * Width);
                var text = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {detail}";
                output.Write("\r" + text.PadRight(_lastLength));
                _lastLength = text.Length;
            }
            else
            {
                var decile = (long)Math.Floor(fraction * 10);
                if (decile != _lastDecile)
                {
                    _lastDecile = decile;
                    output.WriteLine($"{done}/{total} {detail}");
                }
            }
            output.Flush();
        }
    }

    /// <summary>A line of its own (what the client is waiting for), above the bar.</summary>
    public void Notice(string text)
    {
        lock (_gate)
        {
            if (_interactive && _lastLength > 0)
            {
                output.Write("\r" + new string(' ', _lastLength) + "\r");
                _lastLength = 0;
            }
            output.WriteLine("dataflow: " + text);
            output.Flush();
        }
    }

    public void Complete()
    {
        if (_interactive)
        {
            lock (_gate)
            {
                output.WriteLine();
                _lastLength = 0;
            }
        }
    }

    public void Dispose() => Complete();
}
