using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dataflow.Host;
using Xunit;

namespace Dataflow.Tests.Host.Dashboard;

/// <summary><c>dataflow host</c>'s dashboard options: a bad one is one line naming it, exit code 2, before the host
/// starts.</summary>
public sealed class DashboardOptionsSpec
{
    [Fact]
    public async Task Bad_dashboard_options_exit_2_naming_the_option()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-dashboard-options-").FullName;
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        try
        {
            (string[] Args, string Message)[] cases =
            [
                (["--dashboard-bind", "0.0.0.0"], "--dashboard-bind needs --dashboard-port"),
                (["--dashboard-port", "0", "--dashboard-bind", "localhost:80"], "--dashboard-bind 'localhost:80': expected an IP address"),
                (["--dashboard-port", "70000"], "--dashboard-port 70000: expected 0..65535"),
                (["--dashboard-port", taken], $"--dashboard-port {taken}: 127.0.0.1:{taken} is already in use"),
            ];
            foreach (var (args, message) in cases)
            {
                var port = LocalHosts.FreePort().ToString(CultureInfo.InvariantCulture);
                var run = await LocalHosts.RunCliAsync(["host", "--port", port, "--work-dir", dir, .. args], TimeSpan.FromSeconds(60));
                Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
                Assert.Contains(message, run.Stderr);
            }
        }
        finally
        {
            holder.Stop();
            Directory.Delete(dir, recursive: true);
        }
    }
}
