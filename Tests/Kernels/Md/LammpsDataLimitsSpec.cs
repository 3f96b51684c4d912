using Dataflow.Kernels.Input;
using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

/// <summary>Counts a data file declares are checked against what the rest of the file can hold and against the memory
/// budget before anything is allocated for them.</summary>
public sealed class LammpsDataLimitsSpec
{
    private static readonly InputLimits s_limits = new(InputLimits.DefaultMaxInputBytes, 8L << 30);

    /// <summary>A header declaring <paramref name="atoms"/> atoms, then four atom lines.</summary>
    public static string FourAtomsDeclaring(string atoms) => $"""
        LAMMPS data file declaring more atoms than it holds

        {atoms} atoms
        1 atom types

        0 10 xlo xhi
        0 10 ylo yhi
        0 10 zlo zhi

        Masses

        1 1.0

        Atoms # atomic

        1 1 1.0 1.0 1.0
        2 1 2.0 2.0 2.0
        3 1 3.0 3.0 3.0
        4 1 4.0 4.0 4.0

        """;

    [Fact]
    public void Two_billion_atoms_in_a_file_of_four_atom_lines_are_refused_at_the_header_line_before_allocation()
    {
        var text = FourAtomsDeclaring("2000000000");
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<LammpsDataFormatException>(() => LammpsDataReader.ReadText(text, "big.data", limits: s_limits));

        // The arrays of 2e9 atoms would take 256 GB; the refusal allocates next to nothing.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1L << 20);
        Assert.Equal(3, e.Line);
        Assert.Equal("big.data:3: declares 2000000000 atoms but the file holds at most 8 atom lines (88 bytes after the "
            + "header, at least 10 per atom line)", e.Message);
    }

    [Fact]
    public void A_file_on_disk_is_bounded_by_its_length()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parse-atoms-{Guid.NewGuid():N}.data");
        File.WriteAllText(path, FourAtomsDeclaring("100"));
        try
        {
            var e = Assert.Throws<LammpsDataFormatException>(() => LammpsDataReader.Read(path, limits: s_limits));

            Assert.Equal($"{path}:3: declares 100 atoms but the file holds at most 8 atom lines (88 bytes after the header, at "
                + "least 10 per atom line)", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Atoms_the_file_can_hold_but_the_memory_budget_cannot_are_refused()
    {
        var text = FourAtomsDeclaring("4");
        var e = Assert.Throws<LammpsDataFormatException>(() =>
            LammpsDataReader.ReadText(text, "tight.data", limits: new InputLimits(1 << 20, MemoryBudgetBytes: 256)));

        Assert.Equal("tight.data:3: '4 atoms' needs 512 bytes, above the memory budget of 256 bytes (DATAFLOW_MEMORY_BUDGET)",
            e.Message);
        Assert.Equal(4, LammpsDataReader.ReadText(text, "tight.data", limits: new InputLimits(1 << 20, 512)).AtomCount);
    }

    [Fact]
    public void Atom_types_beyond_what_the_pair_tables_can_index_are_refused()
    {
        var text = FourAtomsDeclaring("4").Replace("1 atom types", "2000000000 atom types", StringComparison.Ordinal);

        var e = Assert.Throws<LammpsDataFormatException>(() => LammpsDataReader.ReadText(text, "types.data", limits: s_limits));

        Assert.Equal("types.data:4: declares 2000000000 atom types; at most 46340 are supported", e.Message);
    }

    [Fact]
    public void The_Atoms_section_is_checked_again_for_its_style()
    {
        // 4 lines of 10 characters fit 'atomic' but not 'full' (at least 14 characters a line).
        var text = "full\n\n4 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\nAtoms # full\n"
            + string.Concat(Enumerable.Repeat("1 1 1 1 1\n", 4));

        var e = Assert.Throws<LammpsDataFormatException>(() => LammpsDataReader.ReadText(text, "full.data", limits: s_limits));

        Assert.Equal("full.data:8: the Atoms section needs 4 lines but the file holds at most 2 (40 bytes left, at least 14 per "
            + "full atom line)", e.Message);
    }

    [Fact]
    public void A_reader_of_unknown_length_stops_at_the_input_limit()
    {
        var text = "title\n\n" + string.Concat(Enumerable.Repeat("# comment line\n", 1000));
        var e = Assert.Throws<LammpsDataFormatException>(() =>
            LammpsDataReader.Read(new StringReader(text), "endless.data", limits: new InputLimits(4096, 8L << 30)));

        Assert.StartsWith("endless.data:275: the text is longer than the input limit of 4.0 KiB (DATAFLOW_MAX_INPUT_BYTES)",
            e.Message, StringComparison.Ordinal);
    }
}
