using System.Globalization;
using System.Text;

namespace Dataflow.Kernels.Md.Script;

/// <summary>What a script's <c>thermo</c>, <c>thermo_style</c> and <c>thermo_modify</c> ask for, and LAMMPS' way of
/// printing it (thermo.cpp, 29 Sep 2021: header of column names, integers <c>%8d</c>, floats <c>%12.8g</c>, each
/// followed by a space).</summary>
/// <param name="Every">Print every this many steps (0: first and last step of a run only).</param>
/// <param name="Keywords">The columns' keywords (<c>thermo_style one</c> is step temp epair emol etotal press).</param>
/// <param name="Normalize">Extensive values per atom; null for the unit style's default (yes for lj).</param>
/// <param name="FloatFormat">printf format of floating-point columns.</param>
/// <param name="IntFormat">printf format of integer columns.</param>
public sealed record ThermoSettings(int Every, IReadOnlyList<string> Keywords, bool? Normalize, string FloatFormat, string IntFormat)
{
    /// <summary>LAMMPS' <c>thermo_style one</c>.</summary>
    public static readonly IReadOnlyList<string> One = ["step", "temp", "epair", "emol", "etotal", "press"];

    /// <summary>The defaults: every 0, style one, LAMMPS' formats.</summary>
    public static ThermoSettings Default { get; } = new(0, One, null, "%12.8g", "%8d");

    /// <summary>The keywords this engine can print.</summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["step"] = "Step", ["elapsed"] = "Elapsed", ["elaplong"] = "Elaplong", ["dt"] = "Dt", ["time"] = "Time",
        ["atoms"] = "Atoms", ["temp"] = "Temp", ["press"] = "Press", ["pe"] = "PotEng", ["ke"] = "KinEng",
        ["etotal"] = "TotEng", ["epair"] = "E_pair", ["emol"] = "E_mol", ["vol"] = "Volume", ["lx"] = "Lx",
        ["ly"] = "Ly", ["lz"] = "Lz", ["xlo"] = "Xlo", ["xhi"] = "Xhi", ["ylo"] = "Ylo", ["yhi"] = "Yhi",
        ["zlo"] = "Zlo", ["zhi"] = "Zhi", ["density"] = "Density", ["enthalpy"] = "Enthalpy", ["ebond"] = "E_bond",
        ["eangle"] = "E_angle", ["evdwl"] = "E_vdwl", ["ecoul"] = "E_coul", ["elong"] = "E_long",
    };

    private static readonly HashSet<string> s_integer = ["step", "elapsed", "elaplong", "atoms"];

    private static readonly HashSet<string> s_extensive = ["pe", "ke", "etotal", "epair", "emol", "enthalpy", "ebond", "eangle", "evdwl", "ecoul", "elong"];

    /// <summary>The header line (column names, each followed by a space).</summary>
    public string Header() => string.Concat(Keywords.Select(k => Columns[k] + " "));

    /// <summary>One row's values, by keyword.</summary>
    /// <param name="sample">Totals of the step (temperature, energies, pressure) in LAMMPS' units.</param>
    /// <param name="context">Step counters, timestep, box, masses.</param>
    public IReadOnlyList<double> Values(ThermoTotals sample, ThermoContext context)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(context);
        var norm = Normalize ?? context.Units.NormalizesThermoByDefault;
        var n = context.Atoms;
        var volume = context.Box.Volume;
        var values = new double[Keywords.Count];
        for (var k = 0; k < Keywords.Count; k++)
        {
            var key = Keywords[k];
            var v = key switch
            {
                "step" => sample.Step,
                "elapsed" => sample.Step - context.RunFirstStep,
                "elaplong" => sample.Step - context.FirstStepEver,
                "dt" => context.Timestep,
                "time" => context.TimeAtReset + (sample.Step - context.ResetStep) * context.Timestep,
                "atoms" => n,
                "temp" => sample.Temperature,
                "press" => sample.Pressure,
                "pe" => sample.PotentialEnergy,
                // Thermo::compute_epair: the pair and k-space energy, pe less the molecular terms.
                "epair" => sample.PotentialEnergy - (sample.BondEnergy + sample.AngleEnergy),
                "ebond" => sample.BondEnergy,
                "eangle" => sample.AngleEnergy,
                "ecoul" => sample.CoulombEnergy,
                "elong" => sample.LongRangeEnergy,
                // The rest of pe: the LJ terms (special-bond scaling included).
                "evdwl" => sample.PotentialEnergy - (sample.BondEnergy + sample.AngleEnergy) - sample.CoulombEnergy - sample.LongRangeEnergy,
                "ke" => sample.KineticEnergy,
                "etotal" => sample.PotentialEnergy + sample.KineticEnergy,
                "emol" => sample.BondEnergy + sample.AngleEnergy,
                "vol" => volume,
                "lx" => context.Box.LengthX,
                "ly" => context.Box.LengthY,
                "lz" => context.Box.LengthZ,
                "xlo" => context.Box.XLo,
                "xhi" => context.Box.XHi,
                "ylo" => context.Box.YLo,
                "yhi" => context.Box.YHi,
                "zlo" => context.Box.ZLo,
                "zhi" => context.Box.ZHi,
                // Thermo::compute_density: mass / volume * dens conversion (1 for lj; g/cm^3 from g/mol / A^3 otherwise).
                "density" => context.TotalMass / volume * (context.Units.Name == "lj" ? 1.0 : 1.0 / 0.602214129),
                "enthalpy" => sample.PotentialEnergy + sample.KineticEnergy + sample.Pressure * volume / context.Units.Nktv2p,
                _ => throw new InvalidOperationException($"thermo keyword {key}"),
            };
            if (norm && n > 0 && s_extensive.Contains(key))
            {
                v /= n;
            }
            values[k] = v;
        }
        return values;
    }

    /// <summary>A row as LAMMPS prints it.</summary>
    public string Line(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var floatFormat = CFormat.Parse(FloatFormat);
        var intFormat = CFormat.Parse(IntFormat);
        var text = new StringBuilder();
        for (var k = 0; k < Keywords.Count; k++)
        {
            text.Append(s_integer.Contains(Keywords[k]) ? intFormat.Format(values[k]) : floatFormat.Format(values[k])).Append(' ');
        }
        return text.ToString();
    }

    /// <summary>Whether <paramref name="keyword"/> is an integer column.</summary>
    public static bool IsInteger(string keyword) => s_integer.Contains(keyword);

    /// <summary>Invariant text of a number for messages.</summary>
    internal static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A thermo step's totals over all atoms, unnormalised.</summary>
/// <param name="Step">Timestep.</param>
/// <param name="Temperature">Temperature.</param>
/// <param name="PotentialEnergy">Total potential energy.</param>
/// <param name="KineticEnergy">Total kinetic energy.</param>
/// <param name="Pressure">Pressure.</param>
/// <param name="BondEnergy">Bond part of the potential energy.</param>
/// <param name="AngleEnergy">Angle part of the potential energy.</param>
/// <param name="CoulombEnergy">Real-space Coulomb part.</param>
/// <param name="LongRangeEnergy">K-space part.</param>
public sealed record ThermoTotals(long Step, double Temperature, double PotentialEnergy, double KineticEnergy, double Pressure,
    double BondEnergy = 0.0, double AngleEnergy = 0.0, double CoulombEnergy = 0.0, double LongRangeEnergy = 0.0)
{
    /// <summary>Totals from a sample that may have been normalised by <paramref name="atoms"/>.</summary>
    public static ThermoTotals From(ThermoSample sample, int atoms)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var f = sample.Normalized ? atoms : 1.0;
        return new ThermoTotals(sample.Step, sample.Temperature, sample.PotentialEnergy * f, sample.KineticEnergy * f, sample.Pressure,
            sample.BondEnergy * f, sample.AngleEnergy * f, sample.CoulombEnergy * f, sample.LongRangeEnergy * f);
    }
}

/// <summary>What thermo keywords other than the sample's need.</summary>
/// <param name="Units">Unit style.</param>
/// <param name="Box">Box.</param>
/// <param name="Atoms">Atom count.</param>
/// <param name="TotalMass">Sum of atom masses.</param>
/// <param name="Timestep">Timestep.</param>
/// <param name="RunFirstStep">First step of the current run.</param>
/// <param name="FirstStepEver">First step of the first run since the last reset.</param>
/// <param name="ResetStep">Step of the last reset_timestep (or 0).</param>
/// <param name="TimeAtReset">Simulated time at that step.</param>
public sealed record ThermoContext(UnitSystem Units, OrthogonalBox Box, int Atoms, double TotalMass, double Timestep,
    long RunFirstStep, long FirstStepEver, long ResetStep, double TimeAtReset);
