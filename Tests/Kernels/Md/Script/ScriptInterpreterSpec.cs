using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Script;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Script;

/// <summary>The script interpreter against what LAMMPS 29 Sep 2021 (Debian 12's lmp) wrote from the same scripts: the
/// data files in Kernels/Md/Reference that in.lj-500 and in.binary-metal write right after <c>velocity create</c>
/// (and <c>set type/fraction</c>), compared bit for bit.</summary>
public sealed class ScriptInterpreterSpec
{
    [Theory]
    [InlineData("in.lj-500", "lj-500.data")]
    [InlineData("in.binary-metal", "binary-metal.data")]
    public void Lattice_velocity_create_and_set_give_LAMMPS_atoms_bit_for_bit(string script, string data)
    {
        var run = FirstRun(script);
        var reference = LammpsDataReader.Read(MdReferenceData.File(data));
        var system = run.System;
        Assert.Equal(reference.AtomCount, system.AtomCount);
        Assert.Equal(reference.Box, system.Box);
        var index = Enumerable.Range(0, system.AtomCount).ToDictionary(i => system.Ids[i]);
        for (var r = 0; r < reference.AtomCount; r++)
        {
            var i = index[reference.Ids[r]];
            Assert.Equal(reference.Types[r], system.Types[i]);
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(reference.Positions[3 * r + c]), BitConverter.DoubleToInt64Bits(system.Positions[3 * i + c]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(reference.Velocities[3 * r + c]), BitConverter.DoubleToInt64Bits(system.Velocities[3 * i + c]));
            }
            if (reference.Charges is { } q)
            {
                Assert.Equal(q[r], system.Charges![i]);
            }
        }
        Assert.Equal(reference.Masses, system.Masses);
    }

    [Fact]
    public void Run_carries_the_script_settings()
    {
        var run = FirstRun("in.binary-metal");
        Assert.Equal("metal", run.Units);
        Assert.Equal("lj/cut", run.PairStyle);
        Assert.Equal([8.5], run.PairArguments);
        Assert.Equal(["1 1 0.0104 3.4", "2 2 0.014 3.65"], run.PairCoefficients);
        Assert.Equal("geometric", run.Mixing);
        Assert.True(run.Shift);
        Assert.Equal(0.002, run.Timestep);
        Assert.Equal(1.0, run.Skin);
        Assert.Equal(1, run.RebuildEvery);
        Assert.Equal(100, run.Steps);
        Assert.Equal(10, run.Thermo.Every);
        Assert.Equal(["step", "temp", "pe", "ke", "etotal", "press"], run.Thermo.Keywords);
        Assert.Equal("%.16g", run.Thermo.FloatFormat);
        Assert.Equal("Step Temp PotEng KinEng TotEng Press ", run.Thermo.Header());
    }

    [Fact]
    public void Variables_substitute_as_LAMMPS_does()
    {
        var script = """
            variable a index 3
            variable b equal 2*$a+1
            variable c string hello
            variable d equal v_b^2-v_a%2
            print "${b} ${c} $(v_d) $(sqrt(2):%.3f) $(-2^2)"
            """;
        var printed = new List<string>();
        var interpreter = new ScriptInterpreter(script, "in.test", ".", [new("a", "5")], dry: true) { Echo = printed.Add };
        Assert.Empty(interpreter.Execute());
        // -var a 5 wins over the script's index value 3; equal variables print with %.15g, $() with %.20g.
        Assert.Equal("11 hello 120 1.414 4", printed[^1]);
    }

    [Theory]
    [InlineData("units lj\nfoo 1 2\n", "in.bad:2: foo: unknown or unsupported command")]
    [InlineData("units lj\n\nregion box block 0 ${nx} 0 1 0 1\n", "in.bad:3: region: variable nx is not defined")]
    [InlineData("units lj\nlattice fcc abc\n", "in.bad:2: lattice: scale 'abc' is not a number")]
    [InlineData("units lj\nlattice fcc 0.8 &\n  basis 0 0 0\nvariable x equal 1/0\nprint $(v_x)\n", "in.bad:5: print: formula '1/0': divide by 0")]
    [InlineData("units lj\nrun 10\n", "in.bad:2: run: no simulation box yet (create_box or read_data first)")]
    [InlineData("pair_style lj/cut/coul/msm 2.5\n", "in.bad:1: pair_style: pair style 'lj/cut/coul/msm' is not supported (lj/cut, lj/cut/coul/long)")]
    [InlineData("units real\nfix 1 all shake 0.0001 20 0 q 1\n", "in.bad:2: fix: expected b, a, t or m before 'q'")]
    [InlineData("units real\nfix 1 all rattle 0.0001 20 0 b 1\n", "in.bad:2: fix: fix style 'rattle' is not supported (nve, nvt, langevin, shake, ave/time)")]
    [InlineData("units real\ncompute gofa all adf 45 1 1 1 2.0 3.5 2.0 3.5\n", "in.bad:2: compute: compute style 'adf' is not supported (rdf)")]
    [InlineData("units real\nfix rdf all ave/time 100 10 1000 c_gofr[*] file g.dat mode vector\n", "in.bad:2: fix: no compute with id 'gofr'")]
    public void A_bad_line_is_an_error_naming_file_line_and_command(string script, string message)
    {
        var interpreter = new ScriptInterpreter(script, "in.bad", ".", [], dry: true);
        var e = Assert.Throws<LammpsScriptException>(() => interpreter.Execute().ToList());
        Assert.Equal(message, e.Message);
    }

    /// <summary>The molecule commands reach the run: coefficients into the topology (a command after read_data wins
    /// over the data file's section), special_bonds weights, and the molecular thermo columns.</summary>
    [Fact]
    public void Molecule_commands_reach_the_run()
    {
        var script = """
            units real
            atom_style full
            bond_style harmonic
            angle_style harmonic
            read_data triatomic.data
            bond_coeff 1 300 1.1
            angle_coeff * 50 109.47
            pair_style lj/cut 5.0
            pair_coeff * * 0.0 1.0
            special_bonds lj 0.0 0.5 1.0 coul 0.0 0.0 0.8333
            fix 1 all nve
            thermo_style custom step ebond eangle emol epair
            run 10
            """;
        var interpreter = new ScriptInterpreter(script, "in.mol", MdReferenceData.Directory, [], dry: true);
        var run = interpreter.Execute().First();
        Assert.Equal(["300 1.1"], run.System.Topology!.BondCoefficients!);
        Assert.Equal(["50 109.47"], run.System.Topology.AngleCoefficients!);
        Assert.Equal(54, run.System.Topology.Bonds.Length);
        Assert.Equal([0.0, 0.5, 1.0], run.SpecialLj);
        Assert.Equal([0.0, 0.0, 0.8333], run.SpecialCoul);
        Assert.Equal("Step E_bond E_angle E_mol E_pair ", run.Thermo.Header());
        // E_mol is E_bond + E_angle and E_pair the rest of pe (real units: totals, not per atom).
        var context = interpreter.ContextOf(run, 0);
        var values = run.Thermo.Values(new ThermoTotals(10, 300, 100.0, 50.0, 1.0, 60.0, 25.0), context);
        Assert.Equal([10.0, 60.0, 25.0, 85.0, 15.0], values);
    }

    [Theory]
    [InlineData("bond_style fene\n", "in.bad:1: bond_style: bond style 'fene' is not supported (harmonic)")]
    [InlineData("special_bonds lj/coul 0.0 0.0\n", "in.bad:1: special_bonds: lj/coul needs three weights (1-2, 1-3, 1-4)")]
    [InlineData("special_bonds lj/coul 0.0 0.0 1.5\n", "in.bad:1: special_bonds: special_bonds weights must be in [0, 1]")]
    [InlineData("special_bonds angle yes\n", "in.bad:1: special_bonds: special_bonds angle yes is not supported (no)")]
    [InlineData("units real\natom_style full\nread_data triatomic.data\nbond_coeff 1 450 1.0\n", "in.bad:4: bond_coeff: bond_coeff before bond_style")]
    [InlineData("units real\natom_style full\nbond_style harmonic\nread_data triatomic.data\nbond_coeff 1 abc 1.0\n", "in.bad:5: bond_coeff: K 'abc' is not a number")]
    [InlineData("units real\natom_style full\nread_data triatomic.data\npair_style lj/cut 5.0\npair_coeff * * 0 1\nfix 1 all nve\nrun 10\n",
        "in.bad:7: run: 54 bonds but no bond_style (harmonic)")]
    public void A_bad_molecule_line_is_an_error_naming_file_line_and_command(string script, string message)
    {
        var interpreter = new ScriptInterpreter(script, "in.bad", MdReferenceData.Directory, [], dry: true);
        var e = Assert.Throws<LammpsScriptException>(() => interpreter.Execute().ToList());
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("%12.8g", 3.0, "           3")]
    [InlineData("%12.8g", -6.7733681234, "  -6.7733681")]
    [InlineData("%12.8g", -2.281301, "   -2.281301")]
    [InlineData("%12.8g", 1.0e-7, "       1e-07")]
    [InlineData("%12.8g", 123456789.0, "1.2345679e+08")]
    [InlineData("%.16g", 0.1, "0.1")]
    [InlineData("%.16g", -4.999999999999999e-05, "-4.999999999999999e-05")]
    [InlineData("%8d", 250, "     250")]
    [InlineData("%-10.3f|", 2.5, "2.500     |")]
    public void Printf_formats_match_C(string format, double value, string expected) =>
        Assert.Equal(expected, CFormat.Parse(format).Format(value));

    [Fact]
    public void Park_Miller_matches_the_minimal_standard()
    {
        // Park & Miller (1988): from seed 1, the 10,000th value is 1043618065.
        var random = new ParkMillerRandom(1);
        var u = 0.0;
        for (var i = 0; i < 10000; i++)
        {
            u = random.Uniform();
        }
        Assert.Equal(1043618065, (int)Math.Round(u * 2147483647.0));
    }

    private static ScriptRun FirstRun(string script)
    {
        var path = MdReferenceData.File(script);
        var interpreter = new ScriptInterpreter(File.ReadAllText(path), script, MdReferenceData.Directory, [], dry: true);
        foreach (var run in interpreter.Execute())
        {
            return run;
        }
        throw new InvalidOperationException("no run");
    }
}
