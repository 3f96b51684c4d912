namespace Dataflow.Kernels.Md;

/// <summary>A LAMMPS unit style: the conversion constants its integrators, thermo output and pair styles use.</summary>
/// <param name="Name">LAMMPS name: <c>lj</c>, <c>metal</c> or <c>real</c>.</param>
/// <param name="Boltzmann">Boltzmann constant, energy per temperature (LAMMPS <c>force->boltz</c>).</param>
/// <param name="Mvv2e">Mass times velocity squared to energy (<c>force->mvv2e</c>).</param>
/// <param name="Ftm2v">Force over mass times time to velocity (<c>force->ftm2v</c>).</param>
/// <param name="Nktv2p">Energy over volume to pressure (<c>force->nktv2p</c>).</param>
/// <param name="Qqr2e">Charge squared over distance to energy, the Coulomb constant (<c>force->qqr2e</c>).</param>
/// <param name="DefaultTimestep">Timestep <c>units</c> sets, in the style's time unit (<c>update->dt</c>).</param>
/// <param name="DefaultSkinDistance">Neighbour skin <c>units</c> sets, in the style's distance unit
/// (<c>neighbor->skin</c>).</param>
/// <remarks>
/// Values exactly as LAMMPS' <c>Update::set_units</c> (src/update.cpp, the same in the 29 Sep 2021 release used for
/// the reference data and in later ones); LAMMPS takes them from NIST CODATA with the thermochemical calorie,
/// 4.184 J. Units per style (docs.lammps.org/units.html):
/// lj: everything reduced (sigma, epsilon, tau);
/// metal: Angstrom, eV, ps, g/mol, K, bar, electron charge;
/// real: Angstrom, kcal/mol, fs, g/mol, K, atm, electron charge.
/// </remarks>
public sealed record UnitSystem(
    string Name,
    double Boltzmann,
    double Mvv2e,
    double Ftm2v,
    double Nktv2p,
    double Qqr2e,
    double DefaultTimestep,
    double DefaultSkinDistance)
{
    /// <summary>LAMMPS <c>units lj</c>: reduced units; timestep 0.005 tau, skin 0.3 sigma.</summary>
    public static UnitSystem Lj { get; } = new("lj", 1.0, 1.0, 1.0, 1.0, 1.0, 0.005, 0.3);

    /// <summary>LAMMPS <c>units metal</c>: Angstrom, eV, ps, g/mol, K, bar; timestep 0.001 ps, skin 2 Angstrom.</summary>
    public static UnitSystem Metal { get; } = new(
        "metal", 8.617343e-5, 1.0364269e-4, 1.0 / 1.0364269e-4, 1.6021765e6, 14.399645, 0.001, 2.0);

    /// <summary>LAMMPS <c>units real</c>: Angstrom, kcal/mol, fs, g/mol, K, atm; timestep 1 fs, skin 2 Angstrom.</summary>
    public static UnitSystem Real { get; } = new(
        "real", 0.0019872067, 48.88821291 * 48.88821291, 1.0 / 48.88821291 / 48.88821291, 68568.415, 332.06371, 1.0, 2.0);

    /// <summary>True for <c>lj</c>, where LAMMPS' thermo output divides extensive quantities by the atom count by
    /// default (<c>thermo_modify norm yes</c>; docs.lammps.org/thermo_modify.html).</summary>
    public bool NormalizesThermoByDefault => Name == "lj";

    /// <summary>The unit style LAMMPS calls <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not lj, metal or real.</exception>
    public static UnitSystem Parse(string name) => name switch
    {
        "lj" => Lj,
        "metal" => Metal,
        "real" => Real,
        _ => throw new ArgumentException($"unknown or unsupported unit style '{name}': expected lj, metal or real", nameof(name)),
    };
}
