using System.Diagnostics;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>A TLS cluster with a secret admits only processes holding both its certificate and its secret; a bind
/// beyond loopback without them is refused before it starts; a wildcard bind needs a public hostname.</summary>
public sealed class SecurityProcessSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_cli = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("sec-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_TLS_cluster_runs_the_job_of_a_client_with_its_certificate_and_secret_and_refuses_the_others()
    {
        var (cert, otherCert, secret, otherSecret) = await MaterialAsync();
        using var hosts = new LocalHosts();
        await hosts.StartAsync(["--tls-cert", cert, "--secret-file", secret], TimeSpan.FromMinutes(3));
        try
        {
            var run = await LocalHosts.RunCliAsync(["run", "train", "--model", "mlp", "--steps", "2", "--logical-workers", "2",
                "--cluster", hosts.Seed, "--tls-cert", cert, "--secret-file", secret, "--quiet", "--json", "-"], s_cli);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stderr}");
            Assert.Contains("\"weightsSha256\"", run.Stdout);

            var noSecret = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed, "--tls-cert", cert], s_cli);
            Assert.True(noSecret.ExitCode == 1, $"exit {noSecret.ExitCode}\n{noSecret.Stderr}");
            Assert.Contains("dataflow: refused:", noSecret.Stderr);
            Assert.Contains("the cluster requires its secret; pass --secret-file", noSecret.Stderr);

            var wrongSecret = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed, "--tls-cert", cert,
                "--secret-file", otherSecret], s_cli);
            Assert.True(wrongSecret.ExitCode == 1, $"exit {wrongSecret.ExitCode}\n{wrongSecret.Stderr}");
            Assert.Contains("did not prove this cluster secret", wrongSecret.Stderr);

            var wrongCert = await LocalHosts.RunCliAsync(["status", "--cluster", hosts.Seed, "--tls-cert", otherCert,
                "--secret-file", secret], s_cli);
            Assert.True(wrongCert.ExitCode == 1, $"exit {wrongCert.ExitCode}\n{wrongCert.Stderr}");
            Assert.Contains("dataflow: refused:", wrongCert.Stderr);
            Assert.Contains("is not the cluster's certificate", wrongCert.Stderr);

            // The host logs each refusal.
            await WaitForLogAsync(hosts, "refused a connection from", "did not present the cluster secret");
            await WaitForLogAsync(hosts, "refused a connection from", "holds a different cluster secret");
            await WaitForLogAsync(hosts, "refused a TLS connection", "(CN=other");
        }
        finally
        {
            lock (hosts.Log)
            {
                output.WriteLine(string.Join("\n", hosts.Log.Take(200)));
            }
        }
    }

    [Theory]
    [InlineData("10.1.2.3", "--tls-cert FILE.pfx", "--secret-file FILE")]
    [InlineData("0.0.0.0", "--public-hostname", "--public-hostname")]
    public async Task A_bind_beyond_loopback_without_TLS_and_a_secret_is_refused_before_it_starts(string hostname,
        string named, string alsoNamed)
    {
        // Refused before the actor system starts: nothing binds the address.
        var host = await LocalHosts.RunCliAsync(["host", "--hostname", hostname, "--port", "0"], s_cli);

        Assert.True(host.ExitCode == 2, $"exit {host.ExitCode}\n{host.Stdout}\n{host.Stderr}");
        Assert.Contains(named, host.Stderr);
        Assert.Contains(alsoNamed, host.Stderr);
        Assert.DoesNotContain("started", host.Stdout);
    }

    [NetworkNamespaceFact]
    public async Task Wider_binds_listen_in_a_network_namespace_and_clients_join_through_them()
    {
        // Only inside a network namespace of its own: its loopback is all there is, 10.77.0.1 exists nowhere else.
        var (cert, _, secret, _) = await MaterialAsync();
        var dll = typeof(LocalHosts).Assembly.Location;
        var tls = $"--tls-cert {cert} --secret-file {secret}";
        var script = $"""
            ip link set lo up && ip addr add 10.77.0.1/24 dev lo || exit 90
            dotnet {dll} host --hostname 0.0.0.0 --public-hostname 127.0.0.1 --port 4053 {tls} > {_dir}/h1.log 2>&1 &
            h1=$!
            dotnet {dll} host --hostname 10.77.0.1 --port 4054 --seed 127.0.0.1:4053 {tls} > {_dir}/h2.log 2>&1 &
            h2=$!
            trap 'kill -9 $h1 $h2 2>/dev/null' EXIT
            for i in $(seq 1 240); do
              grep -q 'member up' {_dir}/h1.log && grep -q 'member up' {_dir}/h2.log && break
              sleep 1
            done
            dotnet {dll} status --cluster 10.77.0.1:4054 {tls} --json
            echo "status-exit $?"
            """;
        var (exit, text) = await RunInNamespaceAsync(script, TimeSpan.FromMinutes(8));
        output.WriteLine(text);
        output.WriteLine(File.Exists($"{_dir}/h1.log") ? File.ReadAllText($"{_dir}/h1.log") : "no h1.log");
        output.WriteLine(File.Exists($"{_dir}/h2.log") ? File.ReadAllText($"{_dir}/h2.log") : "no h2.log");

        Assert.Equal(0, exit);
        Assert.Contains("status-exit 0", text);
        // The wildcard host advertises its public hostname, the other its bind address; both are members.
        Assert.Contains("\"127.0.0.1:4053\"", text);
        Assert.Contains("\"10.77.0.1:4054\"", text);
    }

    private async Task<(string Cert, string OtherCert, string Secret, string OtherSecret)> MaterialAsync()
    {
        var cert = Path.Combine(_dir, "cluster.pfx");
        var other = Path.Combine(_dir, "other.pfx");
        foreach (var (file, subject) in new[] { (cert, "CN=dataflow-test"), (other, "CN=other") })
        {
            var made = await LocalHosts.RunCliAsync(["cert", "create", "--out", file, "--subject", subject, "--days", "2"], s_cli);
            Assert.True(made.ExitCode == 0, made.Stderr);
            Assert.Contains("SHA-256", made.Stdout);
        }
        var secret = Path.Combine(_dir, "cluster.secret");
        var otherSecret = Path.Combine(_dir, "other.secret");
        File.WriteAllText(secret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        File.WriteAllText(otherSecret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        return (cert, other, secret, otherSecret);
    }

    private static async Task WaitForLogAsync(LocalHosts hosts, string first, string second)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(200))
        {
            lock (hosts.Log)
            {
                if (hosts.Log.Any(l => l.Contains(first, StringComparison.Ordinal) && l.Contains(second, StringComparison.Ordinal)))
                {
                    return;
                }
            }
        }
        Assert.Fail($"no host log line with '{first}' and '{second}'");
    }

    private static async Task<(int ExitCode, string Output)> RunInNamespaceAsync(string script, TimeSpan timeout)
    {
        using var p = new Process
        {
            StartInfo = new ProcessStartInfo("unshare", ["-rn", "bash", "-c", script])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            },
        };
        var text = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // The namespace's processes are this one's children: killing the tree ends them all.
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
            lock (text)
            {
                return (-1, text + $"\nran over {timeout.TotalMinutes:0} min");
            }
        }
        p.WaitForExit();
        lock (text)
        {
            return (p.ExitCode, text.ToString());
        }
    }
}
