using System.Text.Json;
using Dataflow.Host;
using Dataflow.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run md</c> as a user runs it: two host processes with a host killed mid-run, trajectory
/// dumps, and bad input.</summary>
public sealed class MdProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(4);

    private static readonly string[] s_job =
        ["run", "md", "--data", MdReferenceData.File("lj-500.data"), "--steps", "400", "--rebuild-every", "10",
         "--checkpoint-every", "50", "--thermo", "50", "--domains", "2x2x2", "--langevin", "1.0 1.0 0.5 48279"];

    /// <summary>Either host killed: the younger one is downed by the oldest; when the oldest dies, the split-brain
    /// resolver cannot tell a crash from a partition, so the younger host downs itself too, restarts, finds no other host
    /// answering and founds the cluster again, and its coordinator resumes the job from the replicated checkpoint.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_on_two_hosts_survives_a_SIGKILLed_host_bit_for_bit(bool killOldest)
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-kill-");
        try
        {
            var embeddedJson = Path.Combine(dir.FullName, "embedded.json");
            var embedded = await LocalHosts.RunCliAsync([.. s_job, "--json", embeddedJson], s_runLimit);
            Assert.True(embedded.ExitCode == 0, embedded.Stderr);
            var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;

            using var hosts = new LocalHosts();
            await hosts.StartAsync();
            await hosts.StartAsync();
            // Host 0 founded the cluster: it is the oldest. The client joins through the host that is not killed.
            var (survivor, victim) = killOldest ? (1, 0) : (0, 1);
            var b = await RunWithKilledHost.RunAsync(hosts, s_job, survivor, victim, killAt: 120,
                Path.Combine(dir.FullName, "cluster.json"), s_runLimit, output);
            Assert.Equal("md", b.GetProperty("workload").GetString());
            Assert.True(b.GetProperty("placementChanges").GetInt32() >= 1, "the kill must have moved domains");
            // Checkpoints are taken at rebuilds with the forces of their step (the Langevin force depends on half-step
            // velocities), and forces do not depend on the decomposition: bit for bit.
            Assert.Equal(a.GetProperty("stateSha256").GetString(), b.GetProperty("stateSha256").GetString());
            Assert.Equal(a.GetProperty("thermo").ToString(), b.GetProperty("thermo").ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Molecules across a killed host: the charged triatomic molecules (harmonic bonds and angles, Ewald,
    /// <c>special_bonds lj/coul 0 0 0.5</c>) on 2x2x2 domains over two hosts, one SIGKILLed mid-run: the bonded terms
    /// are found again from the checkpoint's atoms, and the run ends bit for bit where the undisturbed one does.</summary>
    [Fact]
    [Trait("Category", "Heavy")]
    public async Task Molecules_survive_a_SIGKILLed_host_bit_for_bit()
    {
        string[] job =
            ["run", "md", "--data", MdReferenceData.File("triatomic-charged.data"), "--units", "real", "--pair", "lj/cut/coul/long 5.0",
             "--pair-coeff", "1 1 0.1553 3.166", "--pair-coeff", "2 2 0.0 1.0", "--kspace", "ewald", "--kspace-accuracy", "1e-6",
             "--special-bonds", "0 0 0.5", "--timestep", "0.5", "--skin", "2.0", "--rebuild-every", "10", "--checkpoint-every", "20",
             "--steps", "1000", "--thermo", "100", "--domains", "2x2x2"];
        var dir = Directory.CreateTempSubdirectory("dataflow-md-molecules-kill-");
        try
        {
            var embeddedJson = Path.Combine(dir.FullName, "embedded.json");
            var embedded = await LocalHosts.RunCliAsync([.. job, "--json", embeddedJson], s_runLimit);
            Assert.True(embedded.ExitCode == 0, embedded.Stderr);
            var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;
            Assert.True(a.GetProperty("thermo")[0].GetProperty("ebond").GetDouble() > 40, a.GetProperty("thermo")[0].ToString());

            using var hosts = new LocalHosts();
            await hosts.StartAsync();
            await hosts.StartAsync();
            var b = await RunWithKilledHost.RunAsync(hosts, job, 0, 1, killAt: 100, Path.Combine(dir.FullName, "cluster.json"),
                s_runLimit, output);
            Assert.True(b.GetProperty("placementChanges").GetInt32() >= 1, "the kill must have moved domains");
            Assert.Equal(a.GetProperty("stateSha256").GetString(), b.GetProperty("stateSha256").GetString());
            Assert.Equal(a.GetProperty("thermo").ToString(), b.GetProperty("thermo").ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Charged_run_survives_the_loss_of_the_coordinator_host_bit_for_bit()
    {
        // Three hosts (the oldest runs the coordinator and the job's driver); a molten salt with PPPM on its own actor,
        // under a Nose-Hoover chain. Killing the oldest host moves the driver: its successor resumes from the checkpoint
        // replicated to the others, the chain's state with the atoms.
        string[] job =
            ["run", "md", "--data", MdReferenceData.File("nacl-melt.data"), "--units", "metal", "--pair", "lj/cut/coul/long 8.0",
             "--pair-coeff", "1 1 0.005637 2.350", "--pair-coeff", "2 2 0.004336 4.400", "--mix", "arithmetic",
             "--kspace", "pppm", "--timestep", "0.002", "--skin", "2.0", "--rebuild-every", "10", "--checkpoint-every", "20",
             "--steps", "200", "--thermo", "50", "--nvt", "1300 1100 0.1", "--domains", "2x2x1"];
        var dir = Directory.CreateTempSubdirectory("dataflow-md-coordinator-");
        try
        {
            var embeddedJson = Path.Combine(dir.FullName, "embedded.json");
            var embedded = await LocalHosts.RunCliAsync([.. job[..^1], "1x1x1", "--json", embeddedJson], s_runLimit);
            Assert.True(embedded.ExitCode == 0, embedded.Stderr);
            var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;

            using var hosts = new LocalHosts();
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync();
            }
            var b = await RunWithKilledHost.RunAsync(hosts, job, via: 1, victim: 0, killAt: 40,
                Path.Combine(dir.FullName, "cluster.json"), s_runLimit, output);
            Assert.Equal(a.GetProperty("stateSha256").GetString(), b.GetProperty("stateSha256").GetString());
            Assert.Equal(a.GetProperty("thermo").ToString(), b.GetProperty("thermo").ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Dump_holds_a_frame_every_dump_every_steps_in_LAMMPS_dump_format()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-dump-");
        try
        {
            var dump = Path.Combine(dir.FullName, "traj.lammpstrj");
            var run = await LocalHosts.RunCliAsync(
                ["run", "md", "--data", MdReferenceData.File("lj-500.data"), "--steps", "40", "--rebuild-every", "10",
                 "--domains", "2x1x1", "--dump", dump, "--dump-every", "20", "--quiet"], s_runLimit);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var lines = File.ReadAllLines(dump);
            var frames = lines.Select((l, i) => (l, i)).Where(x => x.l == "ITEM: TIMESTEP").Select(x => long.Parse(lines[x.i + 1])).ToArray();
            Assert.Equal([0L, 20L, 40L], frames);
            Assert.Equal(3, lines.Count(l => l == "ITEM: NUMBER OF ATOMS"));
            Assert.Contains("TotEng", run.Stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_malformed_data_file_is_refused_naming_the_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "LAMMPS data\n\n2 atoms\n1 atom types\n\n0 5 xlo xhi\n0 5 ylo yhi\n0 5 zlo zhi\n\nMasses\n\n1 1.0\n\nAtoms # atomic\n\n1 1 0.5 0.5 0.5\n2 1 1.5 abc 0.5\n");
            var run = await LocalHosts.RunCliAsync(["run", "md", "--data", path], TimeSpan.FromSeconds(60));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}:17", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "--domains", "2x" }, "domains '2x'")]
    [InlineData(new[] { "--domains", "100x100x100" }, "domains '100x100x100': 1000000 domains; at most 4096 are supported")]
    [InlineData(new[] { "--domains", "10x10x10" }, "domains 10x10x10: 10 domains along x would each be 0.8398 wide, narrower than "
        + "half the ghost cut-off 2.8 (pair cut-off + skin); the box is 8.39798 long along x, so at most 5 domains fit along it")]
    [InlineData(new[] { "--pair", "lj/cut" }, "--pair 'lj/cut'")]
    [InlineData(new[] { "--pair", "born 2.5" }, "pair style must be one of")]
    [InlineData(new[] { "--units", "cgs" }, "units must be lj, metal or real")]
    [InlineData(new[] { "--kspace", "pppm" }, "needs pair style lj/cut/coul/long")]
    [InlineData(new[] { "--rebuild-every", "0" }, "rebuild-every must be at least 1")]
    public async Task Bad_options_exit_2_naming_the_option(string[] extra, string expected)
    {
        var run = await LocalHosts.RunCliAsync(["run", "md", "--data", MdReferenceData.File("lj-500.data"), .. extra],
            TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
    }
}
