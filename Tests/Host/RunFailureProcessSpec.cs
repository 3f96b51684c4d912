using System.Net;
using System.Net.Sockets;
using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Host;
using Dataflow.Kernels.Md;
using MessagePack;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>What cannot work is reported early and in one line: a corrupt checkpoint to resume from, or another job's (the client reads it
/// to ship it with the job) and an unwritable output stop <c>run</c> before the job starts (exit 2), a busy or invalid port stops <c>host</c> before
/// it starts (exit 2).</summary>
public sealed class RunFailureProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Truncated_garbage_altered_and_other_jobs_nqs_checkpoints_are_refused_before_the_job_with_exit_2_naming_the_file()
    {
        var root = Directory.CreateTempSubdirectory("dataflow-corrupt-checkpoint-");
        try
        {
            var good = Path.Combine(root.FullName, "good");
            var made = await LocalHosts.RunCliAsync(
                ["run", "nqs", "--fcidump", "h2", "--iterations", "10", "--checkpoint-every", "10", "--resume", good, "--quiet"], s_limit);
            Assert.True(made.ExitCode == 0, made.Stderr);
            var bytes = File.ReadAllBytes(Path.Combine(good, NqsCheckpoint.FileName));
            var checkpoint = NqsCheckpoint.FromBytes(bytes);

            // Every parameter's sign flipped, framed with the original seal: it decodes, but is not what was written.
            var flipped = checkpoint with { Parameters = checkpoint.Parameters.Select(p => -p).ToArray() };
            var altered = CheckpointEnvelope.Frame(NqsCheckpoint.Kind, NqsCheckpoint.FormatVersion,
                MessagePackSerializer.Serialize(flipped, Workload.PayloadOptions), bytes[^32..]);
            var cases = new Dictionary<string, (byte[] Bytes, string Expected)>
            {
                ["truncated"] = (bytes[..(bytes.Length / 2)], "truncated or corrupt"),
                ["garbage"] = (Enumerable.Range(0, 4096).Select(i => (byte)(i * 131 + 7)).ToArray(), "not a dataflow nqs checkpoint"),
                ["altered"] = (altered, "fails its SHA-256 check"),
                // Sound, but written by a job of 10 iterations: continuing it as one of 20 would not be that job.
                ["another-job"] = (bytes, "was written by another job (iterations 10 there, 20 here)"),
            };
            foreach (var (name, (content, expected)) in cases)
            {
                var dir = Path.Combine(root.FullName, name);
                Directory.CreateDirectory(dir);
                var file = Path.Combine(dir, NqsCheckpoint.FileName);
                File.WriteAllBytes(file, content);

                var clock = System.Diagnostics.Stopwatch.StartNew();
                var run = await LocalHosts.RunCliAsync(
                    ["run", "nqs", "--fcidump", "h2", "--iterations", "20", "--resume", dir, "--quiet"], s_limit);
                output.WriteLine($"{name}: exit {run.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s: {run.Stderr.Trim()}");

                Assert.True(run.ExitCode == 2, $"{name}: exit {run.ExitCode}\n{run.Stderr}");
                Assert.Contains(file, run.Stderr);
                Assert.Contains(expected, run.Stderr);
                Assert.DoesNotContain("   at ", run.Stderr);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Unwritable_outputs_are_refused_with_exit_2_before_the_job_runs()
    {
        var root = Directory.CreateTempSubdirectory("dataflow-outputs-");
        try
        {
            string[] md = ["run", "md", "--data", MdReferenceData.File("lj-500.data"), "--steps", "20"];
            var missing = Path.Combine(root.FullName, "missing-dir", "x.dump");
            var cases = new (string[] Args, string Expected)[]
            {
                ([.. md, "--json", "/proc/x.json"], "--json /proc/x.json: cannot create files in /proc"),
                ([.. md, "--json", root.FullName], $"--json {root.FullName}: is a directory"),
                ([.. md, "--dump", missing], $"--dump {missing}: directory {Path.GetDirectoryName(missing)} does not exist"),
                (["run", "train", "--steps", "5", "--checkpoint-dir", "/proc/x"], "--checkpoint-dir /proc/x: cannot create files in /proc"),
                (["run", "nqs", "--fcidump", "h2", "--plot", Path.Combine(root.FullName, "no", "p.png")], "--plot"),
            };
            foreach (var (args, expected) in cases)
            {
                var run = await LocalHosts.RunCliAsync(args, s_limit);
                output.WriteLine($"{string.Join(' ', args[1..])}: exit {run.ExitCode}: {run.Stderr.Trim()}");

                Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}\n{run.Stderr}");
                Assert.Contains(expected, run.Stderr);
                // Refused before any cluster started.
                Assert.DoesNotContain("connecting to", run.Stderr);
                Assert.DoesNotContain("   at ", run.Stderr);
            }
            Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_second_host_on_a_port_in_use_exits_2_naming_port()
    {
        using var hosts = new LocalHosts();
        var port = await hosts.StartAsync();

        var second = await LocalHosts.RunCliAsync(["host", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            s_limit);
        output.WriteLine($"exit {second.ExitCode}: {second.Stderr.Trim()}");

        Assert.True(second.ExitCode == 2, $"exit {second.ExitCode}\n{second.Stdout}\n{second.Stderr}");
        Assert.Contains($"--port {port}", second.Stderr);
        Assert.Contains("already in use", second.Stderr);
        Assert.DoesNotContain("member up", second.Stdout);
    }

    [Fact]
    public async Task An_out_of_range_or_busy_metrics_port_exits_2_naming_metrics_port()
    {
        var range = await LocalHosts.RunCliAsync(["host", "--port", "0", "--metrics-port", "99999"], s_limit);
        output.WriteLine($"99999: exit {range.ExitCode}: {range.Stderr.Trim()}");
        Assert.True(range.ExitCode == 2, $"exit {range.ExitCode}\n{range.Stderr}");
        Assert.Contains("--metrics-port 99999: expected 0..65535", range.Stderr);
        Assert.DoesNotContain("started", range.Stdout);

        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var taken = await LocalHosts.RunCliAsync(
            ["host", "--port", "0", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], s_limit);
        output.WriteLine($"busy: exit {taken.ExitCode}: {taken.Stderr.Trim()}");
        Assert.True(taken.ExitCode == 2, $"exit {taken.ExitCode}\n{taken.Stderr}");
        Assert.Contains($"--metrics-port {port}", taken.Stderr);
        Assert.DoesNotContain("started", taken.Stdout);
        Assert.DoesNotContain("   at ", taken.Stderr);
    }
}
