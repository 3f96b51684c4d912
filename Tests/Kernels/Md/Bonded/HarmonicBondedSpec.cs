using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Bonded;
using Dataflow.Kernels.Md.Coulomb;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.Bonded;

/// <summary><c>bond_style harmonic</c> and <c>angle_style harmonic</c> against LAMMPS, and the data file's topology as
/// read.</summary>
public sealed class HarmonicBondedSpec(ITestOutputHelper output)
{
    /// <summary>27 flexible bent triatomic molecules (triatomic.data, real units, written by a script with random
    /// geometries; 7 molecules straddle the periodic boundary): 200 NVE steps of 0.5 fs with only bond and angle forces,
    /// against lmp's in.triatomic (Reference/log.triatomic: pair lj/cut with epsilon 0, thermo with E_bond and
    /// E_angle every 20 steps).</summary>
    [Fact]
    public void Bonds_and_angles_match_LAMMPS_thermo_and_energies()
    {
        var system = MdTestSystems.Reference("triatomic.data");
        var topology = system.Topology ?? throw new InvalidOperationException("no topology read");
        Assert.Equal(54, topology.Bonds.Length);
        Assert.Equal(27, topology.Angles.Length);
        Assert.Equal((1, 1, 2), topology.Bonds[0]);
        Assert.Equal((1, 80, 79, 81), topology.Angles[^1]);
        Assert.Equal(["450.0 1.0"], topology.BondCoefficients!);
        Assert.Equal(["55.0 104.52"], topology.AngleCoefficients!);

        var expected = ReadLog(MdReferenceData.File("log.triatomic"));
        var state = new MdState(system, UnitSystem.Real, 0.5);
        var simulation = new MdSimulation(state, [new HarmonicBonds(topology), new HarmonicAngles(topology)], new VelocityVerlet());
        var rows = new List<(ThermoSample Sample, double Bond, double Angle)>();
        simulation.Run(200, 20, s => rows.Add((s, simulation.ProviderForces[0].Energy, simulation.ProviderForces[1].Energy)));

        Assert.Equal(expected.Count, rows.Count);
        var worst = 0.0;
        for (var k = 0; k < rows.Count; k++)
        {
            var (s, bond, angle) = rows[k];
            var e = expected[k];
            Assert.Equal((long)e[0], s.Step);
            double[] actual = [s.Temperature, s.PotentialEnergy, s.KineticEnergy, s.TotalEnergy, s.Pressure, bond, angle];
            for (var c = 0; c < actual.Length; c++)
            {
                var relative = Math.Abs(actual[c] - e[c + 1]) / Math.Abs(e[c + 1]);
                worst = Math.Max(worst, relative);
                Assert.True(relative <= 1e-9, $"step {s.Step} column {c + 1}: {actual[c]:R} vs LAMMPS {e[c + 1]:R}");
            }
        }
        // The forces did work: bond energy rose from 48.2 to 68.6 kcal/mol, kinetic energy fell by as much.
        Assert.True(rows[^1].Bond > 60);
        output.WriteLine($"largest relative difference to LAMMPS over {rows.Count} rows: {worst:E2}");
    }

    /// <summary>The same molecules with SPC/E's charges and oxygen LJ, lj/cut/coul/long 5.0 with Ewald 1e-6 and
    /// <c>special_bonds lj/coul 0.0 0.0 0.5</c>: the 1-2 and 1-3 pairs leave LJ and Coulomb (the Ewald exclusion
    /// correction), against lmp's in.triatomic-coul (Reference/log.triatomic-coul) over 100 NVE steps.</summary>
    [Fact]
    public void Excluded_pairs_with_Ewald_match_LAMMPS()
    {
        var system = MdTestSystems.Reference("triatomic-charged.data");
        var topology = system.Topology!;
        Assert.Equal(81, SpecialBonds.SpecialPairs(topology).Count);
        var expected = ReadLog(MdReferenceData.File("log.triatomic-coul"));
        var state = new MdState(system, UnitSystem.Real, 0.5);
        var kspace = KSpaceForceProvider.ForAccuracy(KSpaceStyle.Ewald, state, 1e-6, 5.0);
        // LAMMPS printed G vector 0.66087025.
        Assert.Equal(0.66087025, kspace.GEwald, 5e-9);
        var pair = LennardJonesCutCoulombLong.ForKSpace(kspace, 2, 5.0,
            [new LennardJonesPairCoefficient(1, 1, 0.1553, 3.166), new LennardJonesPairCoefficient(2, 2, 0.0, 1.0)]);
        IForceProvider[] providers =
            [pair, kspace, new HarmonicBonds(topology), new HarmonicAngles(topology), SpecialBonds.For(pair, topology, [0.0, 0.0, 0.5], [0.0, 0.0, 0.5])];
        var neighbors = new NeighborSettings { SkinDistance = 2.0, Every = 1, Delay = 0, Check = true };
        var simulation = new MdSimulation(state, providers, new VelocityVerlet(), neighbors, 1);
        var rows = new List<double[]>();
        simulation.Run(100, 20, s => rows.Add([s.Step, s.Temperature, s.PotentialEnergy, s.KineticEnergy, s.TotalEnergy, s.Pressure,
            simulation.ProviderForces[2].Energy, simulation.ProviderForces[3].Energy]));

        Assert.Equal(6, rows.Count);
        var worst = 0.0;
        for (var k = 0; k < rows.Count; k++)
        {
            Assert.Equal(expected[k][0], rows[k][0]);
            for (var c = 1; c < rows[k].Length; c++)
            {
                var relative = Math.Abs(rows[k][c] - expected[k][c]) / Math.Abs(expected[k][c]);
                worst = Math.Max(worst, relative);
                Assert.True(relative <= 1e-6, $"step {rows[k][0]} column {c}: {rows[k][c]:R} vs LAMMPS {expected[k][c]:R}");
            }
        }
        // Without the exclusions the intramolecular Coulomb pairs alone move the energy by far more than 1e-6.
        var correction = simulation.ProviderForces[4].Energy;
        Assert.True(Math.Abs(correction) > 100, $"correction {correction}");
        output.WriteLine($"largest relative difference to LAMMPS over {rows.Count} rows: {worst:E2}; exclusion energy {correction:F3} kcal/mol");
    }

    /// <summary>write_data keeps the topology: the file reads back to the same bonds, angles and coefficients, and
    /// Debian's lmp, when installed, reads it (in.triatomic with <c>run 0</c>) to LAMMPS' own step-0 thermo of the
    /// original file to 1e-10.</summary>
    [Fact]
    public async Task Written_data_keeps_the_topology_and_lmp_reads_it_back()
    {
        var system = MdTestSystems.Reference("triatomic.data");
        var dir = Directory.CreateTempSubdirectory("dataflow-bonded-");
        try
        {
            var path = Path.Combine(dir.FullName, "back.data");
            LammpsDataWriter.Write(path, system);
            var back = LammpsDataReader.Read(path);
            var (a, b) = (system.Topology!, back.Topology!);
            Assert.Equal(a.Bonds, b.Bonds);
            Assert.Equal(a.Angles, b.Angles);
            Assert.Equal(a.BondCoefficients!, b.BondCoefficients!);
            Assert.Equal(a.AngleCoefficients!, b.AngleCoefficients!);
            Assert.Equal((a.BondTypeCount, a.AngleTypeCount), (b.BondTypeCount, b.AngleTypeCount));
            Assert.Equal(system.Positions, back.Positions);

            var lmp = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "lmp")).FirstOrDefault(File.Exists);
            if (lmp is null)
            {
                output.WriteLine("lmp is not installed: the read-back by LAMMPS was not checked");
                return;
            }
            var script = File.ReadAllText(MdReferenceData.File("in.triatomic"))
                .Replace("read_data	triatomic.data", "read_data	back.data", StringComparison.Ordinal)
                .Replace("run		200", "run		0", StringComparison.Ordinal);
            Assert.Contains("back.data", script);
            File.WriteAllText(Path.Combine(dir.FullName, "in.back"), script);
            var psi = new System.Diagnostics.ProcessStartInfo(lmp, ["-nocite", "-in", "in.back", "-log", "log.back"])
            {
                WorkingDirectory = dir.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["OMP_NUM_THREADS"] = "1";
            using var process = System.Diagnostics.Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"lmp: {await stderr}{await stdout}");
            var again = ReadLog(Path.Combine(dir.FullName, "log.back")).Single();
            var original = ReadLog(MdReferenceData.File("log.triatomic"))[0];
            for (var c = 1; c < original.Length; c++)
            {
                Assert.True(Math.Abs(again[c] - original[c]) <= 1e-10 * Math.Abs(original[c]), $"column {c}: {again[c]:R} vs {original[c]:R}");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A bond with no coefficients for its type is refused naming the section.</summary>
    [Fact]
    public void Missing_coefficients_are_refused_naming_the_section()
    {
        var topology = new MolecularTopology(2, 0, [(2, 1, 2)], [], ["450 1.0"], null);
        var error = Assert.Throws<ArgumentException>(() => new HarmonicBonds(topology));
        Assert.Contains("Bond Coeffs: coefficients for 2 type(s) are needed", error.Message);
        error = Assert.Throws<ArgumentException>(() => new HarmonicAngles(new MolecularTopology(0, 1, [], [(1, 1, 2, 3)], null, ["55 abc"])));
        Assert.Contains("Angle Coeffs of type 1: '55 abc'", error.Message);
    }

    // Rows of the thermo block: step temp pe ke etotal press ebond eangle.
    private static List<double[]> ReadLog(string path)
    {
        var rows = new List<double[]>();
        var inBlock = false;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Step Temp PotEng KinEng TotEng Press E_bond E_angle", StringComparison.Ordinal))
            {
                inBlock = true;
                continue;
            }
            if (!inBlock)
            {
                continue;
            }
            if (line.StartsWith("Loop time", StringComparison.Ordinal))
            {
                break;
            }
            rows.Add(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray());
        }
        return rows;
    }
}
