using System.Globalization;
using MessagePack;

namespace Dataflow.Kernels.Md;

/// <summary>One line of LAMMPS thermo output, <c>thermo_style custom step temp pe ke etotal press</c>.</summary>
/// <param name="Step">Step number.</param>
/// <param name="Temperature">Kinetic temperature, temperature units.</param>
/// <param name="PotentialEnergy">Potential energy, energy units; per atom when <paramref name="Normalized"/>.</param>
/// <param name="KineticEnergy">Kinetic energy, energy units; per atom when <paramref name="Normalized"/>.</param>
/// <param name="TotalEnergy">Sum of the two, energy units; per atom when <paramref name="Normalized"/>.</param>
/// <param name="Pressure">Pressure, pressure units (bar for metal, atm for real); never normalised.</param>
/// <param name="Normalized">Whether extensive values are divided by the atom count (<c>thermo_modify norm</c>).</param>
/// <param name="BondEnergy">The bond part of <paramref name="PotentialEnergy"/> (LAMMPS' <c>ebond</c>), normalised
/// as it is; 0 without bonds.</param>
/// <param name="AngleEnergy">The angle part (<c>eangle</c>); 0 without angles.</param>
/// <param name="CoulombEnergy">The real-space Coulomb part (<c>ecoul</c>); 0 without charges.</param>
/// <param name="LongRangeEnergy">The k-space part (<c>elong</c>); 0 without k-space.</param>
[MessagePackObject]
public sealed record ThermoSample(
    [property: Key(0)] long Step,
    [property: Key(1)] double Temperature,
    [property: Key(2)] double PotentialEnergy,
    [property: Key(3)] double KineticEnergy,
    [property: Key(4)] double TotalEnergy,
    [property: Key(5)] double Pressure,
    [property: Key(6)] bool Normalized,
    [property: Key(7)] double BondEnergy = 0.0,
    [property: Key(8)] double AngleEnergy = 0.0,
    [property: Key(9)] double CoulombEnergy = 0.0,
    [property: Key(10)] double LongRangeEnergy = 0.0)
{
    /// <summary>Column names as LAMMPS prints them.</summary>
    public const string Header = "Step Temp PotEng KinEng TotEng Press";

    /// <summary>The values in LAMMPS' column order, with full precision.</summary>
    public string ToLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Step,8} {Temperature:R} {PotentialEnergy:R} {KineticEnergy:R} {TotalEnergy:R} {Pressure:R}");
}
