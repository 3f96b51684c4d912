using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Script;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Script;

/// <summary>The restart format: what it writes reads back bit for bit; another version or a damaged body is refused.</summary>
public sealed class MdRestartFileSpec
{
    private static MdRestartFile Sample() => new(1020, "lj", AtomStyle.Atomic, 0.005, "lj/cut", [2.5], ["1 1 1 1 2.5"], "geometric",
        false, "none", 0, 0.3, 20, LammpsDataReader.Read(MdReferenceData.File("lj-500.data")));

    [Fact]
    public void Round_trip_keeps_every_bit()
    {
        var written = Sample();
        var text = written.ToText();
        Assert.StartsWith("Dataflow md restart 1\nstep 1020\nunits lj\n", text, StringComparison.Ordinal);
        var read = MdRestartFile.Parse(text, "r.restart");
        Assert.Equal(written with { System = read.System }, read with { PairArguments = written.PairArguments, PairCoefficients = written.PairCoefficients });
        Assert.Equal(written.PairArguments, read.PairArguments);
        Assert.Equal(written.PairCoefficients, read.PairCoefficients);
        Assert.Equal(written.System.Ids, read.System.Ids);
        Assert.Equal(written.System.Images, read.System.Images);
        Assert.Equal(written.System.Positions.Select(BitConverter.DoubleToInt64Bits), read.System.Positions.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(written.System.Velocities.Select(BitConverter.DoubleToInt64Bits), read.System.Velocities.Select(BitConverter.DoubleToInt64Bits));
    }

    /// <summary>A system with bonds keeps its bond and angle styles, special_bonds weights and topology: a script that
    /// reads the restart runs the same molecules without giving them again.</summary>
    [Fact]
    public void Molecule_settings_round_trip()
    {
        var system = LammpsDataReader.Read(MdReferenceData.File("triatomic-charged.data"));
        var written = new MdRestartFile(40, "real", AtomStyle.Full, 0.5, "lj/cut/coul/long", [5.0], ["1 1 0.1553 3.166"], "geometric",
            false, "ewald", 1e-6, 2.0, 1, system)
        { BondStyle = "harmonic", AngleStyle = "harmonic", SpecialLj = [0.0, 0.0, 0.5], SpecialCoul = [0.0, 0.0, 0.5] };
        var text = written.ToText();
        Assert.Contains("\nbond_style harmonic\nangle_style harmonic\nspecial_bonds lj 0 0 0.5 coul 0 0 0.5\ndata sha256 ", text, StringComparison.Ordinal);
        var read = MdRestartFile.Parse(text, "r.restart");
        Assert.Equal("harmonic", read.BondStyle);
        Assert.Equal("harmonic", read.AngleStyle);
        Assert.Equal([0.0, 0.0, 0.5], read.SpecialLj!);
        Assert.Equal([0.0, 0.0, 0.5], read.SpecialCoul!);
        Assert.Equal(system.Topology!.Bonds, read.System.Topology!.Bonds);
        Assert.Equal(system.Topology.Angles, read.System.Topology.Angles);
        Assert.Equal(system.Topology.BondCoefficients!, read.System.Topology.BondCoefficients!);

        var script = "read_restart r.restart\nfix 1 all nve\nrun 10\n";
        var dir = Directory.CreateTempSubdirectory("dataflow-restart-mol-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "r.restart"), text);
            var run = new ScriptInterpreter(script, "in.r", dir.FullName, [], dry: true).Execute().First();
            Assert.Equal([0.0, 0.0, 0.5], run.SpecialLj);
            Assert.Equal(54, run.System.Topology!.Bonds.Length);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Another_version_or_a_damaged_body_is_refused()
    {
        var text = Sample().ToText();
        var e = Assert.Throws<FormatException>(() => MdRestartFile.Parse(text.Replace("restart 1\n", "restart 2\n", StringComparison.Ordinal), "r.restart"));
        Assert.Equal("r.restart:1: restart format 2 is not supported (this build reads format 1)", e.Message);
        var damaged = text[..^40] + "9" + text[^39..];
        e = Assert.Throws<FormatException>(() => MdRestartFile.Parse(damaged, "r.restart"));
        Assert.Contains("does not match its SHA-256", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<FormatException>(() => MdRestartFile.Parse("units lj\n", "r.restart"));
        Assert.StartsWith("r.restart:1: not a Dataflow md restart file", e.Message, StringComparison.Ordinal);
    }
}
