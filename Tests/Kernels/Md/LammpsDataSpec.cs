using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

public sealed class LammpsDataSpec
{
    [Fact]
    public void Reads_a_file_LAMMPS_write_data_wrote()
    {
        // Reference: lj-500.data, written by LAMMPS 29 Sep 2021 write_data in in.lj-500.
        var system = MdTestSystems.Reference("lj-500.data");
        Assert.Equal(500, system.AtomCount);
        Assert.Equal(1, system.TypeCount);
        Assert.Equal(AtomStyle.Atomic, system.Style);
        Assert.Equal(8.397980956912537, system.Box.XHi);
        Assert.Equal(0.0, system.Box.ZLo);
        Assert.Equal([1.0], system.Masses);
        Assert.Equal("lj/cut", system.PairCoefficients!.Style);
        Assert.Equal(["1 1 1"], system.PairCoefficients.Lines);
        // Atom 2 of the fcc lattice and its velocity, as printed in the file.
        Assert.Equal(2, system.Ids[1]);
        Assert.Equal(0.8397980956912536, system.Positions[3]);
        Assert.Equal(-1.3110967611114752, system.Velocities[3]);
        Assert.Equal(1.693548884841106, system.Velocities[5]);
        Assert.StartsWith("LAMMPS data file via write_data", system.Title);
    }

    [Theory]
    [InlineData("lj-500.data")]
    [InlineData("binary-metal.data")]
    public void Writing_and_reading_back_gives_the_same_system_bit_for_bit(string name)
    {
        var system = MdTestSystems.Reference(name);
        var text = Write(system);
        var back = LammpsDataReader.Read(new StringReader(text), "roundtrip.data");
        AssertSame(system, back);
        Assert.Equal(text, Write(back));
    }

    [Fact]
    public void Full_style_with_molecules_charges_and_images_round_trips_through_a_gzip_file()
    {
        var system = new MdSystem(
            OrthogonalBox.FromLengths(10, 11, 12) with { XLo = -1.5 },
            3,
            [7, 3, 11],
            [2, 3, 1],
            [0.1, 0.2, 0.3, 1.0 / 3, Math.PI, Math.E, -1.25, 10.999999999999998, 1e-300],
            [1e-17, -2, 3, 4, 5, 6, 7, 8, 9],
            [0, 0, 1, -2, 3, 0, 0, 0, -1],
            [1.008, 15.9994, 22.98976928],
            [0.4238, -0.8476, 1.0],
            [4, 4, 9],
            AtomStyle.Full)
        { Title = "water-like" };
        var path = Path.Combine(Path.GetTempPath(), $"md-roundtrip-{Guid.NewGuid():N}.data.gz");
        try
        {
            LammpsDataWriter.Write(path, system);
            using (var file = File.OpenRead(path))
            {
                Assert.Equal(0x1f, file.ReadByte());
                Assert.Equal(0x8b, file.ReadByte());
            }
            var back = LammpsDataReader.Read(path);
            AssertSame(system, back);
            Assert.Equal("water-like", back.Title);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_Atoms_section_without_a_style_comment_takes_the_style_given_to_the_reader()
    {
        const string text = """
            no style comment

            2 atoms
            1 atom types
            0 4 xlo xhi
            0 4 ylo yhi
            0 4 zlo zhi

            Atoms

            1 1 0.5 1 1 1
            2 1 -0.5 2 2 2 1 0 -1
            """;
        var system = LammpsDataReader.Read(new StringReader(text), "x.data", AtomStyle.Charge);
        Assert.Equal(AtomStyle.Charge, system.Style);
        Assert.Equal([0.5, -0.5], system.Charges!);
        Assert.Equal([0, 0, 0, 1, 0, -1], system.Images);
        Assert.True(double.IsNaN(system.Masses[0]));
        Assert.Throws<InvalidOperationException>(() => new MdState(system, UnitSystem.Real));
    }

    [Theory]
    [InlineData("", 1, "empty file")]
    [InlineData("t\n\n2 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 xy xz yz\n", 7, "triclinic box, which is not supported")]
    [InlineData("t\n2 atoms\n1 atom types\n3 dihedrals\n", 4, "'3 dihedrals': dihedrals and impropers are not supported")]
    [InlineData("t\n2 atoms\n2 ellipsoids\n", 3, "extended particles are not supported")]
    [InlineData("t\n2 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n\nMasses\n\n1 1.0\n", 7, "no 'zlo zhi' line")]
    [InlineData("t\n2 atoms\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\nAtoms # atomic\n", 6, "no 'atom types' line")]
    [InlineData("t\n1 atoms\n1 atom types\n2 1 xlo xhi\n", 4, "upper bound must exceed the lower")]
    [InlineData("t\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n5 widgets\n", 7, "unrecognised header keyword 'widgets'")]
    [InlineData(Header + "Atoms # sphere\n\n1 1 0 0 0\n", 8, "atom style 'sphere' is not supported")]
    [InlineData(Header + "Atoms\n\n1 1 0 0 0\n2 1 0.5 0.5 0.5\n", 8, "names no style")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n2 1 0.5 0.5\n", 11, "expected 5 or 8 columns (id type x y z [ix iy iz]), found 4")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n2 3 0.5 0.5 0.5\n", 11, "atom 2 has type 3, outside 1..2")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n1 1 0.5 0.5 0.5\n", 11, "atom id 1 appears twice")]
    [InlineData(Header + "Atoms # charge\n\n1 1 q 0 0 0\n2 1 0 0.5 0.5 0.5\n", 10, "charge 'q' is not a finite number")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n# comment only\n2 1 0 0 0 0 0\n", 12, "found 7")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n\nVelocities\n", 12, "has 1 lines where 2 are expected; found 'Velocities'")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n", 10, "file ends inside the 'Atoms' section (line 8) after 1 of 2 lines")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n2 1 1 1 1\n\nVelocities\n\n1 0 0 0\n5 0 0 0\n", 16, "atom id 5 is not in the Atoms section")]
    [InlineData(Header + "Atoms # atomic\n\n1 1 0 0 0\n2 1 1 1 1\n3 1 2 2 2\n", 12, "expected a section keyword")]
    [InlineData(Header + "Impropers\n\n1 1 1 2 1 2\n", 8, "'Impropers' section: dihedrals and impropers are not supported")]
    [InlineData(Header + "1 bonds\n1 bond types\n\nAtoms # atomic\n\n1 1 0 0 0\n2 1 1 1 1\n\nBonds\n\n1 1 1 3\n", 18, "Bonds: atom id 3 is not in the Atoms section")]
    [InlineData(Header + "Masses\n\n1 1.0\n2 -2\n", 11, "masses must be positive")]
    [InlineData(Header + "Masses\n\n1 1.0\n2 2.0\n\nMasses\n\n1 1\n2 2\n", 13, "a second 'Masses' section")]
    [InlineData(Header + "Ellipsoids\n\n", 8, "'Ellipsoids' section: extended particles are not supported")]
    [InlineData(Header + "Extras\n\n", 8, "unknown or unsupported section 'Extras'")]
    [InlineData(Header + "Masses\n\n1 1\n2 2\n", 11, "declares 2 atoms but the file has no Atoms section")]
    public void A_malformed_file_is_refused_naming_its_line(string text, int line, string problem)
    {
        var error = Assert.Throws<LammpsDataFormatException>(() => LammpsDataReader.Read(new StringReader(text), "bad.data"));
        Assert.Equal(line, error.Line);
        Assert.StartsWith($"bad.data:{line}: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Bonded_type_counts_without_bonds_and_their_coefficient_sections_are_accepted_and_skipped()
    {
        const string text = """
            LAMMPS data file via write_data, atom_style full with empty topology

            2 atoms
            2 atom types
            0 bonds
            1 bond types
            0 angles
            1 angle types
            1 extra bond per atom

            -2 2 xlo xhi
            -2 2 ylo yhi
            -2 2 zlo zhi

            Masses

            1 15.9994
            2 1.008

            Bond Coeffs # harmonic

            1 450 0.9572

            Angle Coeffs # harmonic

            1 55 104.52

            Atoms # full

            1 1 1 -0.8 0 0 0 0 0 0
            2 1 2 0.4 0.9572 0 0 0 0 0
            """;
        var system = LammpsDataReader.Read(new StringReader(text), "water.data");
        Assert.Equal(AtomStyle.Full, system.Style);
        Assert.Equal([1, 1], system.MoleculeIds!);
        Assert.Equal([-0.8, 0.4], system.Charges!);
        Assert.Equal(0.9572, system.Positions[3]);
    }

    private const string Header = "title\n\n2 atoms\n2 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n";

    private static string Write(MdSystem system)
    {
        var writer = new StringWriter { NewLine = "\n" };
        LammpsDataWriter.Write(writer, system);
        return writer.ToString();
    }

    private static void AssertSame(MdSystem expected, MdSystem actual)
    {
        Assert.Equal(expected.Box, actual.Box);
        Assert.Equal(expected.TypeCount, actual.TypeCount);
        Assert.Equal(expected.Style, actual.Style);
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.Types, actual.Types);
        Assert.Equal(expected.Masses, actual.Masses);
        Assert.Equal(expected.Images, actual.Images);
        Assert.Equal(expected.MoleculeIds, actual.MoleculeIds);
        // Equal as doubles is not enough for bits (0.0 and -0.0): compare the bit patterns.
        Assert.Equal(Bits(expected.Positions), Bits(actual.Positions));
        Assert.Equal(Bits(expected.Velocities), Bits(actual.Velocities));
        Assert.Equal(Bits(expected.Charges ?? []), Bits(actual.Charges ?? []));
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
