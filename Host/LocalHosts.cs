using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dataflow.Host;

/// <summary>Starts <c>dataflow host</c> processes on free loopback ports and kills all of them on dispose,
/// also when the caller failed. Used by the process-level tests and by <c>dataflow bench</c>.</summary>
public sealed class LocalHosts : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<int> _ports = [];
    private readonly string _hostDll;
    private DirectoryInfo? _workRoot;

    /// <summary>Creates an empty set; <paramref name="hostDll"/> defaults to this program's own assembly.</summary>
    public LocalHosts(string? hostDll = null)
    {
        _hostDll = hostDll ?? typeof(LocalHosts).Assembly.Location;
    }

    /// <summary>Remoting ports of the started hosts, in start order.</summary>
    public IReadOnlyList<int> Ports => _ports;

    /// <summary><c>127.0.0.1:port</c> of the first host, the seed of the others.</summary>
    public string Seed => $"127.0.0.1:{_ports[0]}";

    /// <summary>Output lines of every host, prefixed with its port (for diagnostics of a failed run).</summary>
    public List<string> Log { get; } = [];

    /// <summary>Starts one host (the first founds the cluster, the rest join it) and waits until it is up.</summary>
    /// <param name="workingDirectory">The host's current directory (by default this process's).</param>
    public async Task<int> StartAsync(IEnumerable<string>? extraArgs = null, TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        var port = FreePort();
        var args = new List<string> { _hostDll, "host", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (_ports.Count > 0)
        {
            args.AddRange(["--seed", Seed]);
        }
        var extra = (extraArgs ?? []).ToList();
        args.AddRange(extra);
        if (!extra.Contains("--work-dir") && workingDirectory is null)
        {
            // Each host writes its job files under a folder of this set, removed with it, not into the caller's directory.
            _workRoot ??= Directory.CreateTempSubdirectory("dataflow-hosts-");
            args.AddRange(["--work-dir", Path.Combine(_workRoot.FullName, port.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Start(args, workingDirectory, line =>
        {
            lock (Log)
            {
                Log.Add($"[{port}] {line}");
            }
            if (line.Contains("member up", StringComparison.Ordinal))
            {
                up.TrySetResult();
            }
        });
        _processes.Add(process);
        _ports.Add(port);
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (await Task.WhenAny(up.Task, Task.Delay(limit)) != up.Task)
        {
            throw new TimeoutException($"host on port {port} did not come up within {limit.TotalSeconds:0} s:\n{string.Join("\n", Log)}");
        }
        return port;
    }

    /// <summary>Kills host <paramref name="index"/> with SIGKILL, as a crash would.</summary>
    public void Kill(int index)
    {
        var p = _processes[index];
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>Stops host <paramref name="index"/> with SIGSTOP (a long pause: the process keeps its sockets but answers
    /// nothing) until <see cref="Resume"/>.</summary>
    public void Pause(int index) => Signal(index, 19);

    /// <summary>Continues host <paramref name="index"/> with SIGCONT.</summary>
    public void Resume(int index) => Signal(index, 18);

    /// <summary>The process id of host <paramref name="index"/>.</summary>
    public int ProcessId(int index) => _processes[index].Id;

    /// <summary>Starts <c>dataflow</c> with <paramref name="args"/> without waiting for it, its output lines to
    /// <paramref name="onLine"/>; the process is killed on dispose like the hosts.</summary>
    public Process StartCli(IEnumerable<string> args, Action<string> onLine)
    {
        var process = Start([_hostDll, .. args], null, onLine);
        _processes.Add(process);
        return process;
    }

    private void Signal(int index, int signal)
    {
        if (kill(_processes[index].Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_processes[index].Id} failed");
        }
    }

    /// <summary>Sends SIGTERM to host <paramref name="index"/> (a graceful leave) and waits for it to exit.</summary>
    /// <returns>The host's exit code, or null if it did not exit within <paramref name="timeout"/>.</returns>
    public async Task<int?> TerminateAsync(int index, TimeSpan timeout)
    {
        var p = _processes[index];
        if (kill(p.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {p.Id} failed");
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
            return p.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Runs <c>dataflow</c> with <paramref name="args"/> to completion; returns exit code and output.</summary>
    /// <param name="interrupt">When signalled, the command gets SIGTERM (as from Ctrl-C in a shell) and is awaited.</param>
    /// <param name="environment">Variables to set for the command; a null value removes the variable.</param>
    /// <param name="workingDirectory">The command's current directory (by default this process's).</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(IEnumerable<string> args,
        TimeSpan timeout, Action<string>? onStderrLine = null, string? hostDll = null, CancellationToken interrupt = default,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        var psi = StartInfo([hostDll ?? typeof(LocalHosts).Assembly.Location, .. args], workingDirectory);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
            onStderrLine?.Invoke(e.Data);
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await using var onInterrupt = interrupt.Register(() => kill(p.Id, 15));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"dataflow {string.Join(' ', args)} ran over {timeout.TotalSeconds:0} s\n{stderr}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    // A paused host would otherwise keep its stopped threads until the kill is delivered.
                    kill(p.Id, 18);
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        _processes.Clear();
        try
        {
            _workRoot?.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file still held open by a process that is exiting: leave the temporary folder.
        }
        _workRoot = null;
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static Process Start(List<string> args, string? workingDirectory, Action<string> onLine)
    {
        var p = new Process { StartInfo = StartInfo(args, workingDirectory), EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, string? workingDirectory)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }
}
