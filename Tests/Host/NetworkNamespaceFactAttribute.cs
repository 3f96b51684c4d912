using System.ComponentModel;
using System.Diagnostics;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary>A fact that runs only where this user can create a network namespace with an address of its own
/// (<c>unshare -rn</c> and <c>ip addr add</c>), and is reported as skipped, with the reason, everywhere else.</summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    public NetworkNamespaceFactAttribute()
    {
        if (s_unavailable.Value is { } why)
        {
            Skip = $"cannot create a network namespace here (unshare -rn, ip addr add): {why}";
        }
    }

    // Null when a namespace with 10.77.0.1 on its loopback can be made; else why not.
    private static string? Probe()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("unshare",
                ["-rn", "sh", "-c", "ip link set lo up && ip addr add 10.77.0.1/24 dev lo"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var text = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(30_000))
            {
                p.Kill(entireProcessTree: true);
                return "the probe did not finish within 30 s";
            }
            return p.ExitCode == 0 ? null : $"exit {p.ExitCode}: {text.Trim()}";
        }
        catch (Win32Exception e)
        {
            return e.Message;
        }
    }
}
