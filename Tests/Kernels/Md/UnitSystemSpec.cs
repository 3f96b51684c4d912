using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

/// <summary>LAMMPS' conversion constants (src/update.cpp) against SI: CODATA 2006 values from NIST, the set LAMMPS
/// cites, with the thermochemical calorie (4184 J/kcal) and 1 atm = 101325 Pa.</summary>
public sealed class UnitSystemSpec
{
    private const double BoltzmannSi = 1.3806504e-23; // J/K
    private const double ElementaryCharge = 1.602176487e-19; // C
    private const double Avogadro = 6.02214179e23; // 1/mol
    private const double Vacuum = 8.854187817e-12; // F/m
    private const double KcalPerMol = 4184.0 / Avogadro; // J
    private const double Angstrom = 1e-10; // m

    [Fact]
    public void Metal_constants_are_the_SI_conversions_of_eV_Angstrom_ps_and_bar()
    {
        var u = UnitSystem.Metal;
        Close(BoltzmannSi / ElementaryCharge, u.Boltzmann); // eV/K
        Close(1e-3 / Avogadro * Math.Pow(Angstrom / 1e-12, 2) / ElementaryCharge, u.Mvv2e); // g/mol (A/ps)^2 -> eV
        Close(ElementaryCharge / Math.Pow(Angstrom, 3) / 1e5, u.Nktv2p); // eV/A^3 -> bar
        Close(ElementaryCharge / (4 * Math.PI * Vacuum * Angstrom), u.Qqr2e); // e^2/A -> eV
        Assert.Equal(0.001, u.DefaultTimestep);
        Assert.Equal(2.0, u.DefaultSkinDistance);
    }

    [Fact]
    public void Real_constants_are_the_SI_conversions_of_kcal_per_mol_Angstrom_fs_and_atm()
    {
        var u = UnitSystem.Real;
        Close(BoltzmannSi / KcalPerMol, u.Boltzmann); // kcal/mol/K
        Close(1e-3 / Avogadro * Math.Pow(Angstrom / 1e-15, 2) / KcalPerMol, u.Mvv2e); // g/mol (A/fs)^2 -> kcal/mol
        Close(KcalPerMol / Math.Pow(Angstrom, 3) / 101325.0, u.Nktv2p); // kcal/mol/A^3 -> atm
        Close(ElementaryCharge * ElementaryCharge / (4 * Math.PI * Vacuum * Angstrom) / KcalPerMol, u.Qqr2e); // e^2/A -> kcal/mol
        Assert.Equal(1.0, u.DefaultTimestep);
    }

    [Fact]
    public void Lj_units_are_all_one_and_each_style_has_ftm2v_the_inverse_of_mvv2e()
    {
        var lj = UnitSystem.Lj;
        Assert.Equal((1.0, 1.0, 1.0, 1.0, 1.0), (lj.Boltzmann, lj.Mvv2e, lj.Ftm2v, lj.Nktv2p, lj.Qqr2e));
        Assert.Equal(0.005, lj.DefaultTimestep);
        Assert.Equal(0.3, lj.DefaultSkinDistance);
        foreach (var u in new[] { UnitSystem.Lj, UnitSystem.Metal, UnitSystem.Real })
        {
            Assert.Equal(1.0, u.Mvv2e * u.Ftm2v, 14);
            Assert.Same(u, UnitSystem.Parse(u.Name));
        }
        Assert.True(UnitSystem.Lj.NormalizesThermoByDefault);
        Assert.False(UnitSystem.Metal.NormalizesThermoByDefault);
        Assert.Throws<ArgumentException>(() => UnitSystem.Parse("si"));
    }

    private static void Close(double si, double lammps) =>
        MdTestSystems.Close(si, lammps, 2e-7, $"LAMMPS {lammps:R} vs SI {si:R}");
}
