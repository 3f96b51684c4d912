using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Quantum;

public sealed class FcidumpReaderSpec
{
    // The body of Psi4 1.3.2's H2/STO-3G FCIDUMP (Kernels/Quantum/Data/h2.fcidump), shared by the variants below.
    private const string Body = """
          6.74488766289997987435E-01   1   1   1   1
          6.63468096362712533853E-01   1   1   2   2
          6.97393767358556737612E-01   2   2   2   2
          1.81288808231111153724E-01   2   1   2   1
          -1.25246357335330538163E+00    1    1    0    0
          -4.75948715440682068589E-01    2    2    0    0
           7.13753993350418225461E-01    0    0    0    0
        """;

    // As Psi4 writes it: one key per line, &END.
    private const string Psi4Style = "&FCI\nNORB=2,\nNELEC=2,\nMS2=0,\nUHF=.FALSE.,\nORBSYM=1,5,\nISYM=1,\n&END\n" + Body;

    public static TheoryData<string, string> Variants => new()
    {
        { "psi4", Psi4Style },
        // Classic Molpro style: everything on one line, '/' terminator.
        { "slash", " &FCI NORB=2,NELEC=2,MS2=0,ORBSYM=1,5,ISYM=1 /\n" + Body },
        // Lowercase keys, spaces around '=', values and ORBSYM spread over lines, &end on a value line.
        { "spread", " &fci norb =  2 ,\n  nelec= 2, ms2 = 0,\n  orbsym = 1,\n     5,\n  isym=1 &end\n" + Body },
        // $FCI ... $END, keys in another order, MS2 left to its default, UHF as a bare logical.
        { "dollar", "$FCI ISYM=1 ORBSYM=1 5\n NELEC=2 UHF=F NORB=2\n$END\n" + Body },
        // Fortran D exponents, blank lines, and permuted index orders for the same integrals.
        {
            "fortran",
            "&FCI NORB=2, NELEC=2, MS2=0, ORBSYM=1,5, ISYM=1,\n&END\n\n"
            + "  6.74488766289997987435D-01   1   1   1   1\n"
            + "  6.63468096362712533853d-01   2   2   1   1\n"
            + "  6.97393767358556737612D-01   2   2   2   2\n\n"
            + "  1.81288808231111153724D-01   1   2   2   1\n"
            + " -1.25246357335330538163D+00   1   1   0   0\n"
            + " -4.75948715440682068589D-01   2   2   0   0\n"
            + "  7.13753993350418225461D-01   0   0   0   0\n"
        },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Header_and_integral_variants_parse_to_the_same_Hamiltonian(string name, string text)
    {
        var reference = FcidumpReader.ParseText(Psi4Style, "psi4");
        var variant = FcidumpReader.ParseText(text, name);

        Assert.Equal(2, variant.OrbitalCount);
        Assert.Equal(2, variant.ElectronCount);
        Assert.Equal(0, variant.Ms2);
        Assert.Equal([1, 5], variant.OrbitalSymmetries);
        Assert.Equal(1, variant.StateSymmetry);
        Assert.Equal(reference.CoreEnergyHartree, variant.CoreEnergyHartree);
        Assert.Equal(reference.OneElectronHartree, variant.OneElectronHartree);
        Assert.Equal(reference.TwoElectronHartree, variant.TwoElectronHartree);
        Assert.Equal(0.713753993350418225461, variant.CoreEnergyHartree);
    }

    [Fact]
    public void Every_permutational_partner_of_an_integral_is_filled_in()
    {
        var dump = FcidumpReader.ParseText(Psi4Style);
        // (21|21) was written once; (ij|kl) = (ji|kl) = (ij|lk) = (kl|ij) for real orbitals.
        foreach (var (p, q, r, s) in new[] { (1, 0, 1, 0), (0, 1, 1, 0), (1, 0, 0, 1), (0, 1, 0, 1) })
        {
            Assert.Equal(0.181288808231111153724, dump.TwoElectron(p, q, r, s));
        }
        Assert.Equal(0.663468096362712533853, dump.TwoElectron(1, 1, 0, 0));
        Assert.Equal(0.0, dump.TwoElectron(0, 0, 0, 1));
        Assert.Equal(-1.25246357335330538163, dump.OneElectron(0, 0));
        Assert.Equal(0.0, dump.OneElectron(0, 1));
    }

    [Fact]
    public void Repeat_counts_in_ORBSYM_and_orbital_energy_lines_are_read()
    {
        var dump = FcidumpReader.ParseText(
            "&FCI NORB=4, NELEC=2, ORBSYM=3*1, 2, ISYM=1 /\n 0.5 1 1 1 1\n -0.25 2 0 0 0\n 0.125 4 0 0 0\n");
        Assert.Equal([1, 1, 1, 2], dump.OrbitalSymmetries);
        Assert.Equal([0.0, -0.25, 0.0, 0.125], dump.OrbitalEnergiesHartree!);
        Assert.Equal(0.0, dump.CoreEnergyHartree);
        Assert.Equal(1, dump.AlphaCount);
        Assert.Equal(1, dump.BetaCount);
    }

    public static TheoryData<string, int, string> Malformed => new()
    {
        { "", 1, "missing FCIDUMP header: the file is empty" },
        { "\n  0.5 1 1 1 1\n", 2, "missing FCIDUMP header: expected an '&FCI' namelist, found '0.5 1 1 1 1'" },
        { "&FCI NORB=2,\nNELEC=2,\nMS2=0,\n", 3, "truncated header: the file ends before the namelist terminator" },
        { "&FCI NORB=2,\n NELEC=3,\n MS2=0 /\n", 3, "NELEC=3 and MS2=0 differ in parity" },
        { "&FCI NORB=2,\n NELEC=5 /\n", 2, "NELEC=5 exceeds 2*NORB=4" },
        { "&FCI NORB=2, NELEC=4, MS2=2 /\n", 1, "NELEC=4 with MS2=2 puts 3 electrons of one spin into NORB=2 orbitals" },
        { "&FCI NELEC=2 /\n", 1, "the &FCI namelist has no NORB" },
        { "&FCI NORB=two, NELEC=2 /\n", 1, "NORB: expected an integer, found 'two'" },
        { "&FCI\n NORB=2, NELEC=2,\n ORBSYM=1,1,1 /\n", 3, "ORBSYM lists 3 orbitals but NORB=2" },
        { "&FCI NORB=2, NELEC=2,\n UHF=.TRUE. /\n", 2, "UHF=.TRUE.: unrestricted FCIDUMP files" },
        { "&FCI NORB=2, NELEC=2 /\n 0.5 1 1 1 1\n 0.25 1 3 0 0\n", 3, "orbital index 3 out of range 1..2 (NORB=2)" },
        { "&FCI NORB=2, NELEC=2 /\n 0.5 1 1 1 -1\n", 2, "orbital index -1 out of range 1..2" },
        { "&FCI NORB=2, NELEC=2 /\n 0.5 1 1 1 1\n\n 0.5X-01 1 1 2 2\n", 4, "bad number '0.5X-01'" },
        { "&FCI NORB=2, NELEC=2 /\n 0.5 1 1 1\n", 2, "expected an integral line 'value i j k l', found 4 field(s)" },
        { "&FCI NORB=2, NELEC=2 /\n 0.5 1 1 a 1\n", 2, "bad orbital index 'a'" },
        { "&FCI NORB=2, NELEC=2 /\n 0.5 1 0 1 0\n", 2, "indices 1 0 1 0 fit none of" },
        { "&FCI NORB=2, NELEC=2 / ISYM=1\n", 1, "unexpected 'ISYM=1' after the end of the &FCI namelist" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_file_is_reported_as_FILE_colon_LINE_and_the_problem(string text, int line, string problem)
    {
        var error = Assert.Throws<FcidumpFormatException>(() => FcidumpReader.ParseText(text, "bad.fcidump"));
        Assert.Equal(line, error.LineNumber);
        Assert.StartsWith($"bad.fcidump:{line}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_in_a_file_on_disk_name_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fcidump-{Guid.NewGuid():N}.fcidump");
        File.WriteAllText(path, "&FCI NORB=2, NELEC=2, MS2=0 &END\n 0.5 1 1 1 1\n 0.5 3 1 1 1\n");
        try
        {
            var error = Assert.Throws<FcidumpFormatException>(() => FcidumpReader.Read(path));
            Assert.Equal($"{path}:3: orbital index 3 out of range 1..2 (NORB=2)", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("h2", 2, 2, new[] { 1, 5 })]
    [InlineData("lih", 6, 4, new[] { 1, 1, 1, 1, 2, 3 })]
    [InlineData("h2o", 7, 10, new[] { 1, 1, 1, 1, 2, 3, 3 })]
    [InlineData("n2", 10, 14, new[] { 1, 1, 1, 6, 7, 5, 5, 5, 3, 2 })]
    public void Bundled_Psi4_files_parse_with_their_core_energy_equal_to_the_nuclear_repulsion(
        string name, int orbitals, int electrons, int[] orbitalSymmetries)
    {
        var dump = BundledMolecules.Load(name);
        var reference = BundledMolecules.Reference(name);

        Assert.Equal(orbitals, dump.OrbitalCount);
        Assert.Equal(electrons, dump.ElectronCount);
        Assert.Equal(0, dump.Ms2);
        Assert.Equal(orbitalSymmetries, dump.OrbitalSymmetries);
        Assert.NotNull(dump.OrbitalEnergiesHartree);
        // No frozen core: Psi4's 0 0 0 0 line is the nuclear repulsion alone (molecules.json, same Psi4 run).
        Assert.Equal(reference.NuclearRepulsionHartree, dump.CoreEnergyHartree, 1e-12);
        Assert.Equal("STO-3G", reference.Basis);
        Assert.Equal("1.3.2", reference.Psi4Version);
        Assert.False(reference.FrozenCore);
    }
}
