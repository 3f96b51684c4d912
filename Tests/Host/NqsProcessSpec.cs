using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run nqs</c> embedded and across three host processes.</summary>
public sealed class NqsProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(4);

    private static readonly string[] s_job = ["run", "nqs", "--fcidump", "lih", "--iterations", "25", "--samplers", "4", "--evaluators", "3"];

    [Fact]
    public async Task Same_seed_gives_identical_energy_histories_embedded_and_on_three_hosts()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-nqs-");
        try
        {
            var embeddedJson = Path.Combine(dir.FullName, "embedded.json");
            var plot = Path.Combine(dir.FullName, "convergence.png");
            var embedded = await LocalHosts.RunCliAsync([.. s_job, "--json", embeddedJson, "--plot", plot], s_runLimit);
            Assert.True(embedded.ExitCode == 0, embedded.Stderr);
            Assert.Contains("reference", embedded.Stdout);
            AssertConvergencePng(File.ReadAllBytes(plot));

            using var hosts = new LocalHosts();
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync();
            }
            var clusterJson = Path.Combine(dir.FullName, "cluster.json");
            var run = await LocalHosts.RunCliAsync([.. s_job, "--cluster", hosts.Seed, "--json", clusterJson], s_runLimit, output.WriteLine);
            Assert.True(run.ExitCode == 0, run.Stderr);

            var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;
            var b = JsonDocument.Parse(File.ReadAllText(clusterJson)).RootElement;
            var energiesA = Energies(a);
            var energiesB = Energies(b);
            Assert.Equal(25, energiesA.Length);
            Assert.Equal(energiesA, energiesB);
            Assert.Equal(a.GetProperty("energy").GetDouble(), b.GetProperty("energy").GetDouble());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Run_survives_the_loss_of_the_coordinator_host_with_the_uninterrupted_history()
    {
        // The oldest of three hosts runs the coordinator and the job's driver; killing it moves the driver to a
        // successor, which resumes from the checkpoint replicated to every node. Histories do not depend on the number
        // of nodes, samplers or evaluators, so the result must equal the embedded run's bit for bit.
        string[] job = ["run", "nqs", "--fcidump", "lih", "--iterations", "150", "--checkpoint-every", "10"];
        var dir = Directory.CreateTempSubdirectory("dataflow-nqs-failover-");
        try
        {
            var embeddedJson = Path.Combine(dir.FullName, "embedded.json");
            var embedded = await LocalHosts.RunCliAsync([.. job, "--json", embeddedJson, "--quiet"], s_runLimit);
            Assert.True(embedded.ExitCode == 0, embedded.Stderr);

            using var hosts = new LocalHosts();
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync();
            }
            var b = await RunWithKilledHost.RunAsync(hosts, job, via: 1, victim: 0, killAt: 30,
                Path.Combine(dir.FullName, "cluster.json"), s_runLimit, output);
            var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;
            var energiesA = Energies(a);
            var energiesB = Energies(b);
            Assert.Equal(150, energiesB.Length);
            Assert.Equal(energiesA, energiesB);
            Assert.True(b.GetProperty("placementChanges").GetInt32() >= 1, b.ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double[] Energies(JsonElement result) =>
        result.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("energy").GetDouble()).ToArray();

    /// <summary>A PNG of two panels (energy error and variance) under a title band, as ChartFile draws them.</summary>
    private static void AssertConvergencePng(byte[] png)
    {
        Assert.Equal([137, 80, 78, 71, 13, 10, 26, 10], png[..8]);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal(global::Dataflow.Host.Plot.ChartFile.Width, bitmap.Width);
        Assert.Equal(global::Dataflow.Host.Plot.ChartFile.TitleHeight + 2 * global::Dataflow.Host.Plot.ChartFile.PanelHeight, bitmap.Height);
    }

    [Fact]
    public async Task Resume_flag_continues_an_interrupted_run_with_the_uninterrupted_history()
    {
        // `run nqs --resume DIR` as a user types it: a run interrupted (SIGTERM, exit 128 + 15) after its checkpoint at
        // iteration 10, then the same command again, ends with the history of a run that was never interrupted.
        string[] job = ["run", "nqs", "--fcidump", "lih", "--iterations", "40", "--samplers", "2", "--evaluators", "2", "--checkpoint-every", "5"];
        var dir = Directory.CreateTempSubdirectory("dataflow-nqs-resume-flag-");
        try
        {
            var wholeJson = Path.Combine(dir.FullName, "whole.json");
            var whole = await LocalHosts.RunCliAsync([.. job, "--json", wholeJson], s_runLimit);
            Assert.True(whole.ExitCode == 0, whole.Stderr);

            var checkpoints = Path.Combine(dir.FullName, "checkpoints");
            using var interrupt = new CancellationTokenSource();
            var first = await LocalHosts.RunCliAsync([.. job, "--resume", checkpoints], s_runLimit, line =>
            {
                // Progress lines read "done/total ..."; past iteration 12 the checkpoint of iteration 10 exists.
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && int.TryParse(line[..slash], out var done) && done >= 12)
                {
                    interrupt.Cancel();
                }
            }, interrupt: interrupt.Token);
            Assert.True(first.ExitCode == 143, $"exit code {first.ExitCode}: {first.Stderr}");
            var saved = global::Dataflow.Actors.Nqs.NqsCheckpoint.Load(checkpoints);
            Assert.NotNull(saved);
            Assert.InRange(saved.Iteration, 10, 39);

            var resumedJson = Path.Combine(dir.FullName, "resumed.json");
            var resumed = await LocalHosts.RunCliAsync([.. job, "--resume", checkpoints, "--json", resumedJson], s_runLimit);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            var a = JsonDocument.Parse(File.ReadAllText(wholeJson)).RootElement;
            var b = JsonDocument.Parse(File.ReadAllText(resumedJson)).RootElement;
            Assert.Equal(40, Energies(b).Length);
            Assert.Equal(Energies(a), Energies(b));
            Assert.Equal(a.GetProperty("energy").GetDouble(), b.GetProperty("energy").GetDouble());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--optimizer", "lbfgs", "optimizer must be adamw-sr, adamw, sr (got 'lbfgs')")]
    [InlineData("--orbital-order", "random", "orbital-order must be energy or file (got 'random')")]
    [InlineData("--gradient-threads", "-2", "gradient-threads must be 0 (the default) or more (got -2)")]
    public async Task An_unknown_optimizer_or_orbital_order_or_a_negative_thread_count_is_refused_naming_the_option(string option, string value, string message)
    {
        var run = await LocalHosts.RunCliAsync(["run", "nqs", "--fcidump", "h2", option, value], TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public async Task Frozen_core_h2o_reaches_psi4s_frozen_core_fci_within_chemical_accuracy()
    {
        // H2O / STO-3G with the oxygen 1s frozen (6 active orbitals, 8 electrons). The reference is Psi4 1.3.2's
        // frozen-core FCI, -75.01250777574207 Ha (Kernels/Quantum/Data/make_fcidumps_more.in and .out, recorded in
        // molecules-more.json), taken as the default --reference for the named molecule and --frozen-core 1.
        var json = Path.GetTempFileName();
        try
        {
            var run = await LocalHosts.RunCliAsync(["run", "nqs", "--fcidump", "h2o", "--frozen-core", "1", "--iterations", "150",
                "--json", json, "--quiet"], s_runLimit);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var result = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
            Assert.Equal(1, result.GetProperty("inputs").GetProperty("frozenCore").GetInt32());
            Assert.Equal(-75.01250777574207, result.GetProperty("reference").GetDouble());
            // Variational: not below the exact energy by more than the statistical error allows; within 1.6 mHa above it.
            Assert.InRange(result.GetProperty("error").GetDouble(), -1e-4, 1.6e-3);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("lih", "3", "frozen-core: cannot freeze 3 doubly occupied orbitals with 2 alpha and 2 beta electrons")]
    [InlineData("h2", "-1", "frozen-core must be 0 (the default) or more (got -1)")]
    public async Task A_frozen_core_that_does_not_fit_is_refused_before_the_job(string molecule, string count, string message)
    {
        var run = await LocalHosts.RunCliAsync(["run", "nqs", "--fcidump", molecule, "--frozen-core", count], TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.DoesNotContain("(Parameter", run.Stderr);
    }

    [Fact]
    public async Task A_malformed_fcidump_is_refused_naming_the_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, " &FCI NORB=2,NELEC=2,MS2=0,\n ORBSYM=1,1,\n ISYM=1,\n &END\n 0.5 1 1 1 1\n 0.2 x 1 1 1\n");
            var run = await LocalHosts.RunCliAsync(["run", "nqs", "--fcidump", path], TimeSpan.FromSeconds(60));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}:6:", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
