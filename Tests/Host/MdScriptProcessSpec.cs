using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dataflow.Host;
using Dataflow.Kernels.Md;
using Dataflow.Tests.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow md SCRIPT</c> as a LAMMPS user runs it, against LAMMPS on the same, unmodified scripts: when
/// Debian's <c>lmp</c> is installed the test runs it for its log, otherwise it reads the log committed beside the script
/// in Kernels/Md/Reference (made with that lmp, LAMMPS 29 Sep 2021; see the README there). Thermo must agree to 1e-6
/// relative for the first 100 steps.</summary>
public sealed class MdScriptProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    private static readonly Dictionary<string, string> s_columns = new()
    {
        ["Temp"] = "temp", ["PotEng"] = "pe", ["KinEng"] = "ke", ["TotEng"] = "etotal", ["Press"] = "press",
        ["E_pair"] = "epair", ["E_mol"] = "emol", ["Volume"] = "vol", ["Elapsed"] = "elapsed", ["Atoms"] = "atoms",
        ["E_bond"] = "ebond", ["E_angle"] = "eangle", ["E_vdwl"] = "evdwl", ["E_coul"] = "ecoul", ["E_long"] = "elong",
    };

    /// <summary>The reference NVE runs of an atomic and a binary metal system (lattice, velocity create, set
    /// type/fraction), three runs with a timestep reset and custom thermo keywords, and the molten salt with PPPM
    /// 1e-5 (g_ewald where LAMMPS' Newton iteration stops).</summary>
    [Theory]
    [InlineData("in.lj-500", new string[] { "lj-500.data" })]
    [InlineData("in.binary-metal", new string[0])]
    [InlineData("in.lj-500-runs", new string[] { "lj-500.data" })]
    [InlineData("in.nacl-pppm", new string[] { "nacl-melt.data" })]
    public Task Script_thermo_equals_lmp(string script, string[] inputs) => CompareAsync(script, inputs);

    /// <summary>The molten salt with Ewald 1e-6 (200 steps of 512 charged atoms) and LAMMPS' bench in.lj (32,000 atoms).</summary>
    [Theory]
    [Trait("Category", "Heavy")]
    [InlineData("in.nacl-ewald", new string[] { "nacl-melt.data" })]
    [InlineData("in.lj", new string[0])]
    public Task Heavy_script_thermo_equals_lmp(string script, string[] inputs) => CompareAsync(script, inputs);

    /// <summary>fix nvt on the domains: the Nose-Hoover chain of 3 on the Lennard-Jones liquid (target ramped 1.44 to
    /// 1.0), on the molten salt with PPPM and <c>kspace_modify gewald 0.3</c> (target ramped 1300 K to 1100 K), and a
    /// chain carried on from one run to the next and then defined again (a chain restarted from rest in the second run
    /// is 17% off lmp's temperature there); the same bits on 8 domains as on one.</summary>
    [Theory]
    [InlineData("in.lj-500-nvt", new string[] { "lj-500.data" })]
    [InlineData("in.lj-500-nvt-runs", new string[] { "lj-500.data" })]
    public Task Nose_hoover_script_thermo_equals_lmp_on_1_and_8_domains(string script, string[] inputs) =>
        CompareAsync(script, inputs, alsoOnDomains: "2x2x2");

    /// <summary>Molecules on the domains: <c>bond_style harmonic</c>, <c>angle_style harmonic</c> and their coefficients
    /// from the data file, 27 flexible triatomic molecules with bond and angle forces only (in.triatomic, E_bond and
    /// E_angle), and the same molecules with SPC/E charges, Ewald 1e-6 and <c>special_bonds lj/coul 0.0 0.0 0.5</c>
    /// (in.triatomic-coul: E_vdwl, E_coul and E_long too); the same bits on 8 domains as on one.</summary>
    [Theory]
    [InlineData("in.triatomic", new string[] { "triatomic.data" })]
    [InlineData("in.triatomic-coul", new string[] { "triatomic-charged.data" })]
    public Task Molecule_script_thermo_equals_lmp_on_1_and_8_domains(string script, string[] inputs) =>
        CompareAsync(script, inputs, alsoOnDomains: "2x2x2");

    /// <summary>fix shake (Kernels/Md/Constraints): 216 SPC/E waters held rigid by <c>fix shake 0.0001 20 0 b 1 a 1</c>
    /// (bond and angle clusters, LAMMPS' setup correction of the coordinates, constraint forces in the virial, the
    /// temperature's degrees of freedom less 3 a molecule) under fix nvt with PPPM and in.spce's special_bonds
    /// (in.water-shake, water-shake.data, log.water-shake); the same bits on 8 domains as on one.</summary>
    [Theory]
    [InlineData("in.water-shake", new string[] { "water-shake.data" })]
    public Task Shake_script_thermo_equals_lmp_on_1_and_8_domains(string script, string[] inputs) =>
        CompareAsync(script, inputs, alsoOnDomains: "2x2x2");

    /// <summary>in.triatomic-coul with the E_mol and E_pair columns (in.triatomic-coul-mol): heavy, as it repeats the
    /// molecules of <see cref="Molecule_script_thermo_equals_lmp_on_1_and_8_domains"/>.</summary>
    [Theory]
    [Trait("Category", "Heavy")]
    [InlineData("in.triatomic-coul-mol", new string[] { "triatomic-charged.data" })]
    public Task Heavy_molecule_script_thermo_equals_lmp(string script, string[] inputs) => CompareAsync(script, inputs);

    /// <summary>The charged molecules (in.triatomic-coul's settings) written to a restart file after 40 steps and read
    /// by a script that gives only the fix and thermo again: bond and angle styles, special_bonds weights and topology
    /// come from the file, and the run continues bit for bit as the first script's second run.</summary>
    [Fact]
    [Trait("Category", "Heavy")]
    public async Task Read_restart_of_molecules_continues_bit_for_bit()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-restart-mol-");
        try
        {
            Copy(dir.FullName, ["triatomic-charged.data"]);
            const string thermo = "fix 1 all nve\nthermo 20\nthermo_style custom step temp pe ke etotal press ebond eangle evdwl ecoul elong\n";
            var settings = string.Join('\n', File.ReadLines(MdReferenceData.File("in.triatomic-coul"))
                .TakeWhile(l => !l.StartsWith("timestep", StringComparison.Ordinal)).Where(l => !l.StartsWith('#')));
            File.WriteAllText(Path.Combine(dir.FullName, "in.a"), settings + "\ntimestep 0.5\n" + thermo + "run 40\nwrite_restart a.restart\nrun 40\n");
            File.WriteAllText(Path.Combine(dir.FullName, "in.b"), "read_restart a.restart\n" + thermo + "run 40\n");
            var a = await LocalHosts.RunCliAsync(["md", "in.a", "--json", "a.json", "--quiet"], s_limit, workingDirectory: dir.FullName);
            Assert.True(a.ExitCode == 0, a.Stderr);
            Assert.Contains("\nbond_style harmonic\nangle_style harmonic\nspecial_bonds lj 0 0 0.5 coul 0 0 0.5\n",
                File.ReadAllText(Path.Combine(dir.FullName, "a.restart")), StringComparison.Ordinal);
            var b = await LocalHosts.RunCliAsync(["md", "in.b", "--json", "b.json", "--quiet"], s_limit, workingDirectory: dir.FullName);
            Assert.True(b.ExitCode == 0, b.Stderr);
            JsonElement Json(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, file))).RootElement;
            string State(string file, int run) => Json(file).GetProperty("runs")[run].GetProperty("stateSha256").GetString()!;
            Assert.Equal(State("a.json", 1), State("b.json", 0));
            var ebond = Json("b.json").GetProperty("thermo").EnumerateArray().Last().GetProperty("ebond").GetDouble();
            Assert.True(ebond > 40, $"E_bond {ebond}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The molten salt case of <see cref="Nose_hoover_script_thermo_equals_lmp_on_1_and_8_domains"/> (512 charged
    /// atoms with PPPM, run twice): heavy.</summary>
    [Theory]
    [Trait("Category", "Heavy")]
    [InlineData("in.nacl-nvt-gewald", new string[] { "nacl-melt.data" })]
    public Task Heavy_nose_hoover_script_thermo_equals_lmp_on_1_and_8_domains(string script, string[] inputs) =>
        CompareAsync(script, inputs, alsoOnDomains: "2x2x2");

    /// <summary><c>compute rdf</c> averaged by <c>fix ave/time ... mode vector</c>: the rigid water of in.water-shake over
    /// a 20-step run (in.water-rdf, g(r) of O-O, H-H and O-H sampled every 5 steps), thermo to 1e-6 and the file's
    /// header, steps and every value equal to lmp's water-rdf.dat to 1e-6 absolute.</summary>
    [Fact]
    public Task Rdf_average_equals_lmp() =>
        CompareAsync("in.water-rdf", ["water-shake.data"], rdf: ("water-rdf.dat", "water-rdf.dat", 1e-6));

    /// <summary>LAMMPS' examples/rdf-adf/in.spce (4500 atoms: SHAKE, fix nvt, PPPM 1e-6) shortened to 100 + 50 steps, its
    /// compute adf left out and pair_modify table 0 added (in.spce-short): thermo of both runs to 1e-6, and g(r) averaged
    /// over steps 10..50 equal to lmp's to 0.05 absolute (bins near an edge may take a pair lmp puts in the next bin).</summary>
    [Fact]
    [Trait("Category", "Heavy")]
    public Task Heavy_spce_script_equals_lmp() =>
        CompareAsync("in.spce-short", ["data.spce"], rdf: ("spce-rdf.dat", "spce-rdf-short.dat", 0.05));

    private async Task CompareAsync(string script, string[] inputs, string? alsoOnDomains = null,
        (string Written, string Committed, double Bound)? rdf = null)
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-script-");
        try
        {
            var (log, reference) = await LammpsLogAsync(script, inputs);
            Copy(dir.FullName, [script, .. inputs]);
            var json = Path.Combine(dir.FullName, "thermo.json");
            var run = await LocalHosts.RunCliAsync(["md", script, "--json", json, "-log", "log.dataflow", "--quiet"], s_limit,
                workingDirectory: dir.FullName);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var expected = ThermoBlocks(log);
            var rows = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("thermo").EnumerateArray().ToArray();
            var compared = 0;
            foreach (var (header, values) in expected)
            {
                var step = (long)values[0];
                var row = rows.Single(r => r.GetProperty("step").GetInt64() == step && r.GetProperty("run").GetInt32() == header.Run);
                for (var c = 1; c < header.Columns.Length; c++)
                {
                    var name = s_columns.GetValueOrDefault(header.Columns[c]) ?? throw new InvalidOperationException(header.Columns[c]);
                    var actual = row.GetProperty(name).GetDouble();
                    var tolerance = 1e-6 * Math.Max(Math.Abs(values[c]), 1e-12);
                    Assert.True(Math.Abs(actual - values[c]) <= tolerance,
                        $"{script} step {step} {header.Columns[c]}: {actual.ToString("R", CultureInfo.InvariantCulture)} vs lmp {values[c].ToString("R", CultureInfo.InvariantCulture)} ({reference})");
                    compared++;
                }
            }
            Assert.True(compared >= 10, $"only {compared} values compared");
            // The printed header is LAMMPS' own, and the log names each run's steps as LAMMPS' does.
            var headers = File.ReadLines(log).Where(l => l.StartsWith("Step ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(headers, File.ReadLines(Path.Combine(dir.FullName, "log.dataflow")).Where(l => l.StartsWith("Step ", StringComparison.Ordinal)));
            Assert.Equal(headers, run.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("Step ", StringComparison.Ordinal)));
            output.WriteLine($"{script}: {compared} thermo values within 1e-6 of {reference}");
            if (rdf is { } r)
            {
                var expectedRdf = Lmp() is null ? MdReferenceData.File(r.Committed) : Path.Combine(Path.GetDirectoryName(log)!, r.Written);
                var mine = File.ReadAllLines(Path.Combine(dir.FullName, r.Written));
                var theirs = File.ReadAllLines(expectedRdf);
                Assert.Equal(theirs.Length, mine.Length);
                var largest = 0.0;
                for (var k = 0; k < theirs.Length; k++)
                {
                    var a = theirs[k].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var b = mine[k].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (theirs[k].StartsWith('#') || a.Length == 2)
                    {
                        Assert.Equal(theirs[k], mine[k]);
                        continue;
                    }
                    Assert.Equal(a.Length, b.Length);
                    for (var c = 0; c < a.Length; c++)
                    {
                        var d = Math.Abs(double.Parse(a[c], CultureInfo.InvariantCulture) - double.Parse(b[c], CultureInfo.InvariantCulture));
                        largest = Math.Max(largest, d);
                        Assert.True(d <= r.Bound, $"{r.Written} line {k + 1} column {c + 1}: {b[c]} vs lmp {a[c]}");
                    }
                }
                output.WriteLine($"{r.Written}: largest difference {largest:G3} from {expectedRdf}");
            }
            if (alsoOnDomains is not null)
            {
                var other = Path.Combine(dir.FullName, "thermo-domains.json");
                var again = await LocalHosts.RunCliAsync(["md", script, "--domains", alsoOnDomains, "--json", other, "--quiet"], s_limit,
                    workingDirectory: dir.FullName);
                Assert.True(again.ExitCode == 0, again.Stderr);
                var one = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
                var many = JsonDocument.Parse(File.ReadAllText(other)).RootElement;
                string[] Hashes(JsonElement e) => e.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("stateSha256").GetString()!).ToArray();
                Assert.Equal(Hashes(one), Hashes(many));
                Assert.Equal(one.GetProperty("thermo").ToString(), many.GetProperty("thermo").ToString());
                output.WriteLine($"{script}: state {Hashes(one)[^1]} on 1 and {alsoOnDomains} domains");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>LAMMPS' examples/melt/in.melt, unmodified, prints line for line what lmp printed (thermo_style one,
    /// %12.8g): 4000 atoms, 250 steps.</summary>
    [Fact]
    public async Task Melt_prints_lmp_thermo_lines()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-melt-");
        try
        {
            var (log, _) = await LammpsLogAsync("in.melt", []);
            Copy(dir.FullName, ["in.melt"]);
            var run = await LocalHosts.RunCliAsync(["run", "md", "--in", "in.melt", "--quiet"], s_limit, workingDirectory: dir.FullName);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var lines = File.ReadAllLines(log);
            var start = Array.FindIndex(lines, l => l.StartsWith("Step ", StringComparison.Ordinal));
            var block = lines.Skip(start).TakeWhile(l => !l.StartsWith("Loop time", StringComparison.Ordinal)).ToArray();
            var printed = run.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            var at = Array.IndexOf(printed, block[0]);
            Assert.True(at >= 0, run.Stdout);
            Assert.Equal(block, printed.Skip(at).Take(block.Length));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>write_data's file, read by lmp (or, without lmp, by this engine's own read_data and run 0), gives the
    /// energy and pressure the run ended with, to 1e-10; and the three runs are bit for bit the same on 8 domains.</summary>
    [Fact]
    public async Task Write_data_reads_back_with_the_same_energy()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-readback-");
        try
        {
            Copy(dir.FullName, ["in.lj-500-runs", "in.lj-500-readback", "lj-500.data"]);
            var json = Path.Combine(dir.FullName, "runs.json");
            var run = await LocalHosts.RunCliAsync(["md", "in.lj-500-runs", "--json", json, "--quiet"], s_limit, workingDirectory: dir.FullName);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var last = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("thermo").EnumerateArray().Last();
            Assert.Equal(1020, last.GetProperty("step").GetInt64());
            double pe, press;
            if (Lmp() is { } lmp)
            {
                var log = Path.Combine(dir.FullName, "log.readback");
                await RunLmpAsync(lmp, "in.lj-500-readback", log, dir.FullName);
                var (_, values) = ThermoBlocks(log).Single();
                (pe, press) = (values[2], values[5]);
            }
            else
            {
                var back = Path.Combine(dir.FullName, "back.json");
                var again = await LocalHosts.RunCliAsync(["md", "in.lj-500-readback", "--json", back, "--quiet"], s_limit, workingDirectory: dir.FullName);
                Assert.True(again.ExitCode == 0, again.Stderr);
                var row = JsonDocument.Parse(File.ReadAllText(back)).RootElement.GetProperty("thermo").EnumerateArray().Single();
                (pe, press) = (row.GetProperty("pe").GetDouble(), row.GetProperty("press").GetDouble());
            }
            Assert.Equal(pe, last.GetProperty("pe").GetDouble(), 1e-10 * Math.Abs(pe));
            Assert.Equal(press, last.GetProperty("press").GetDouble(), 1e-10 * Math.Max(1, Math.Abs(press)));

            // The same script on 8 domains: the same bits, run after run.
            var eight = Path.Combine(dir.FullName, "runs8.json");
            var run8 = await LocalHosts.RunCliAsync(["md", "in.lj-500-runs", "--domains", "2x2x2", "--json", eight, "--quiet"], s_limit,
                workingDirectory: dir.FullName);
            Assert.True(run8.ExitCode == 0, run8.Stderr);
            string[] Hashes(string file) => JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("runs").EnumerateArray()
                .Select(r => r.GetProperty("stateSha256").GetString()!).ToArray();
            Assert.Equal(3, Hashes(json).Length);
            Assert.Equal(Hashes(json), Hashes(eight));
            Assert.Equal(JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("thermo").ToString(),
                JsonDocument.Parse(File.ReadAllText(eight)).RootElement.GetProperty("thermo").ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A run continued from write_restart's file (read_restart, then the same run) is bit for bit the run
    /// that went on in the first script.</summary>
    [Fact]
    public async Task Read_restart_continues_bit_for_bit()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-restart-");
        try
        {
            Copy(dir.FullName, ["lj-500.data"]);
            const string thermo = "fix 1 all nve\nthermo 10\nthermo_style custom step temp pe ke etotal press\n";
            File.WriteAllText(Path.Combine(dir.FullName, "in.a"),
                "pair_style lj/cut 2.5\nread_data lj-500.data\npair_coeff 1 1 1.0 1.0 2.5\nneighbor 0.3 bin\nneigh_modify every 20 delay 0 check no\n"
                + thermo + "run 40\nwrite_restart a.restart\nrun 40\n");
            File.WriteAllText(Path.Combine(dir.FullName, "in.b"), "read_restart a.restart\n" + thermo + "run 40\n");
            var a = await LocalHosts.RunCliAsync(["md", "in.a", "--json", "a.json", "--quiet"], s_limit, workingDirectory: dir.FullName);
            Assert.True(a.ExitCode == 0, a.Stderr);
            Assert.StartsWith("Dataflow md restart 1\nstep 40\n", File.ReadAllText(Path.Combine(dir.FullName, "a.restart")), StringComparison.Ordinal);
            var b = await LocalHosts.RunCliAsync(["md", "in.b", "--json", "b.json", "--quiet"], s_limit, workingDirectory: dir.FullName);
            Assert.True(b.ExitCode == 0, b.Stderr);
            string[] Rows(string file, int run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, file))).RootElement
                .GetProperty("thermo").EnumerateArray().Where(r => r.GetProperty("run").GetInt32() == run)
                .Select(r => string.Join(",", r.EnumerateObject().Where(p => p.Name != "run").Select(p => $"{p.Name}={p.Value.GetRawText()}")))
                .ToArray();
            var continued = Rows("a.json", 1);
            Assert.Equal(5, continued.Length);
            Assert.Equal(continued, Rows("b.json", 0));
            File.WriteAllText(Path.Combine(dir.FullName, "a.restart"),
                File.ReadAllText(Path.Combine(dir.FullName, "a.restart")).Replace("restart 1\n", "restart 7\n", StringComparison.Ordinal));
            var refused = await LocalHosts.RunCliAsync(["md", "in.b"], s_limit, workingDirectory: dir.FullName);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("in.b:1: read_restart: a.restart:1: restart format 7 is not supported (this build reads format 1)", refused.Stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A bad line is one error naming the file, line and command, exit code 2, and nothing runs: not even
    /// the write_data before it.</summary>
    [Theory]
    [InlineData("bogus_command 1 2", "in.bad:4: bogus_command: unknown or unsupported command")]
    [InlineData("region box block 0 ${nx} 0 5 0 5", "in.bad:4: region: variable nx is not defined")]
    [InlineData("pair_coeff 1 1 one 1.0", "in.bad:4: pair_coeff: coefficient 'one' is not a number")]
    [InlineData("fix 2 all npt temp 1 1 1 iso 1 1 1", "in.bad:4: fix: fix style 'npt' is not supported (nve, nvt, langevin, shake, ave/time)")]
    public async Task Bad_script_line_is_exit_2_naming_file_line_and_command(string badLine, string message)
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-bad-");
        try
        {
            Copy(dir.FullName, ["lj-500.data"]);
            File.WriteAllText(Path.Combine(dir.FullName, "in.bad"), $"""
                pair_style lj/cut 2.5
                read_data lj-500.data
                write_data early.data
                {badLine}
                pair_coeff 1 1 1.0 1.0
                fix 1 all nve
                run 10
                """);
            var run = await LocalHosts.RunCliAsync(["md", "in.bad"], s_limit, workingDirectory: dir.FullName);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"dataflow: {message}", run.Stderr);
            Assert.False(File.Exists(Path.Combine(dir.FullName, "early.data")), "a command before the bad line ran");
            Assert.DoesNotContain("Step", run.Stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary><c>-var</c> defines an index variable before the script, as <c>lmp -var</c>: in.lj-500's x doubles the box.</summary>
    [Fact]
    public async Task Var_option_sets_an_index_variable()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-md-var-");
        try
        {
            Copy(dir.FullName, ["in.lj-500"]);
            File.WriteAllText(Path.Combine(dir.FullName, "in.lj-500"),
                File.ReadAllText(Path.Combine(dir.FullName, "in.lj-500")).Replace("run\t\t100", "run\t\t0", StringComparison.Ordinal));
            var json = Path.Combine(dir.FullName, "x2.json");
            var run = await LocalHosts.RunCliAsync(["run", "md", "--in", "in.lj-500", "-var", "x", "2", "--json", json, "--quiet"], s_limit,
                workingDirectory: dir.FullName);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var runs = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("runs");
            Assert.Equal(1000, runs[0].GetProperty("atoms").GetInt32());
            Assert.True(File.Exists(Path.Combine(dir.FullName, "lj-500.data")), "write_data wrote nothing");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void Copy(string directory, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            File.Copy(MdReferenceData.File(name), Path.Combine(directory, name));
        }
    }

    /// <summary>The log lmp writes for <paramref name="script"/> (run here when lmp is installed), or the committed one.</summary>
    private static async Task<(string Log, string Source)> LammpsLogAsync(string script, string[] inputs)
    {
        var committed = MdReferenceData.File("log." + script[3..]);
        if (Lmp() is not { } lmp)
        {
            return (committed, $"committed {Path.GetFileName(committed)}");
        }
        var dir = Directory.CreateTempSubdirectory("dataflow-lmp-");
        Copy(dir.FullName, [script, .. inputs]);
        var log = Path.Combine(dir.FullName, "log.lmp");
        await RunLmpAsync(lmp, script, log, dir.FullName);
        return (log, $"lmp run now ({lmp})");
    }

    private static string? Lmp() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "lmp")).FirstOrDefault(File.Exists);

    private static async Task RunLmpAsync(string lmp, string script, string log, string directory)
    {
        var psi = new ProcessStartInfo(lmp, ["-nocite", "-in", script, "-log", log])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_limit);
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, $"lmp -in {script}: {await stderr}{await stdout}");
    }

    /// <summary>The thermo rows of a LAMMPS log up to step 100 of each run's own count, with their run's header.</summary>
    private static List<((int Run, string[] Columns) Header, double[] Values)> ThermoBlocks(string log)
    {
        var rows = new List<((int, string[]), double[])>();
        string[]? columns = null;
        var run = -1;
        long first = 0;
        foreach (var line in File.ReadLines(log))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (line.StartsWith("Step ", StringComparison.Ordinal))
            {
                columns = words;
                run++;
                first = -1;
                continue;
            }
            if (columns is null)
            {
                continue;
            }
            if (words.Length != columns.Length || !long.TryParse(words[0], CultureInfo.InvariantCulture, out var step))
            {
                columns = null;
                continue;
            }
            first = first < 0 ? step : first;
            if (step - first <= 100)
            {
                rows.Add(((run, columns), words.Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray()));
            }
        }
        return rows;
    }
}
