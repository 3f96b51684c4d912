using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Dataflow.Host;
using Dataflow.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>SIGTERM and SIGINT end <c>dataflow run</c> while its kernel computes (exit 143 and 130), and a host that
/// gets SIGTERM mid-kernel still leaves the cluster.</summary>
/// <remarks>Bounds are generous (a loaded machine); the measured times go to the test output.</remarks>
public sealed class SignalProcessSpec(ITestOutputHelper output)
{
    private const int Sigint = 2;
    private const int Sigterm = 15;
    private static readonly TimeSpan s_exitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SIGTERM_during_the_fci_solve_exits_143()
    {
        var fcidump = LargeFcidump();
        try
        {
            await AssertSignalEnds(["run", "fci", "--fcidump", fcidump], "diagonalising", Sigterm, 143);
        }
        finally
        {
            File.Delete(fcidump);
        }
    }

    [Fact]
    public async Task SIGINT_during_the_fci_solve_exits_130()
    {
        var fcidump = LargeFcidump();
        try
        {
            await AssertSignalEnds(["run", "fci", "--fcidump", fcidump], "diagonalising", Sigint, 130);
        }
        finally
        {
            File.Delete(fcidump);
        }
    }

    [Fact]
    public async Task SIGTERM_during_a_long_md_run_exits_143()
    {
        // One domain runs every step inside one message handler: only the kernel's own check can stop it.
        await AssertSignalEnds(["run", "md", "--data", MdReferenceData.File("lj-500.data"), "--steps", "100000000"],
            "starting", Sigterm, 143);
    }

    [Fact]
    public async Task A_host_that_gets_SIGTERM_mid_kernel_leaves_and_exits_0()
    {
        var fcidump = LargeFcidump();
        try
        {
            using var hosts = new LocalHosts();
            await hosts.StartAsync();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = hosts.StartCli(["run", "fci", "--fcidump", fcidump, "--cluster", hosts.Seed], line =>
            {
                output.WriteLine($"[client] {line}");
                if (line.Contains("diagonalising", StringComparison.Ordinal))
                {
                    started.TrySetResult();
                }
            });
            await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
            await Task.Delay(TimeSpan.FromSeconds(3));

            var clock = Stopwatch.StartNew();
            var code = await hosts.TerminateAsync(0, s_exitLimit);
            output.WriteLine($"host exited {code} {clock.Elapsed.TotalSeconds:F2} s after SIGTERM");

            Assert.True(code == 0, $"host exit {code?.ToString() ?? "none within the limit"}:\n{string.Join("\n", hosts.Log)}");
            Assert.Contains(hosts.Log, l => l.Contains("leaving the cluster", StringComparison.Ordinal));
            Assert.Contains(hosts.Log, l => l.Contains(": stopped", StringComparison.Ordinal));
            client.Kill(entireProcessTree: true);
        }
        finally
        {
            File.Delete(fcidump);
        }
    }

    /// <summary>Starts <paramref name="args"/>, waits for a progress line containing <paramref name="running"/> and 3 s
    /// more, sends <paramref name="signal"/> and asserts the exit code and the message.</summary>
    private async Task AssertSignalEnds(string[] args, string running, int signal, int expectedExit)
    {
        var stderr = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = Start(args, line =>
        {
            lock (stderr)
            {
                stderr.AppendLine(line);
            }
            if (line.Contains(running, StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        });
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
            // Well into the kernel.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(process.HasExited, $"ended before the signal:\n{stderr}");

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, kill(process.Id, signal));
            using var limit = new CancellationTokenSource(s_exitLimit);
            await process.WaitForExitAsync(limit.Token);
            process.WaitForExit();
            output.WriteLine($"dataflow {string.Join(' ', args[..2])}: exit {process.ExitCode} {clock.Elapsed.TotalSeconds:F2} s after signal {signal}");

            Assert.True(process.ExitCode == expectedExit, $"exit {process.ExitCode}:\n{stderr}");
            Assert.Contains($"interrupted by {(signal == Sigint ? "SIGINT" : "SIGTERM")}", stderr.ToString());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Starts <c>dataflow</c> with SIGINT at its default action: a shell runs background commands with SIGINT
    /// ignored, and an ignored signal stays ignored across exec (<c>env --default-signal</c> undoes that).</summary>
    private static Process Start(string[] args, Action<string> onStderrLine)
    {
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["--default-signal=INT", "dotnet", typeof(LocalHosts).Assembly.Location, .. args])
        {
            psi.ArgumentList.Add(a);
        }
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onStderrLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>An FCIDUMP of 16 orbitals and 16 electrons: C(16,8)^2 = 1.65e8 determinants, whose Hamiltonian takes
    /// far longer to build than any test waits (diagonal and near-diagonal integrals only, so memory stays small).</summary>
    // 14 orbitals, 14 electrons: 11,778,624 determinants, within any machine's memory but tens of seconds a Davidson
    // iteration on two cores, so the signal arrives mid-solve.
    private static string LargeFcidump()
    {
        const int Orbitals = 14;
        var text = new StringBuilder();
        text.AppendLine("&FCI").AppendLine($"NORB={Orbitals},").AppendLine($"NELEC={Orbitals},").AppendLine("MS2=0,")
            .AppendLine("UHF=.FALSE.,").AppendLine("ORBSYM=" + string.Join(",", Enumerable.Repeat("1", Orbitals)) + ",")
            .AppendLine("ISYM=1,").AppendLine("&END");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        for (var i = 1; i <= Orbitals; i++)
        {
            for (var j = 1; j <= i; j++)
            {
                text.AppendLine(string.Create(invariant, $"  {0.5 / (1 + i - j):F10} {i} {i} {j} {j}"));
            }
        }
        for (var i = 1; i <= Orbitals; i++)
        {
            for (var j = 1; j <= i; j++)
            {
                text.AppendLine(string.Create(invariant, $"  {(i == j ? -2.0 + 0.1 * i : 0.01 / (i + j)):F10} {i} {j} 0 0"));
            }
        }
        text.AppendLine("  1.0 0 0 0 0");
        var path = Path.Combine(Path.GetTempPath(), $"dataflow-signal-{Guid.NewGuid():N}.fcidump");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
