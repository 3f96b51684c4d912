using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dataflow.Kernels.Md.Script;

/// <summary>The restart file of <c>write_restart</c> and <c>read_restart</c>: a versioned text format of this
/// project (LAMMPS' binary restart files depend on the LAMMPS build and are not read).</summary>
/// <remarks>
/// Format 1, UTF-8 text:
/// <code>
/// Dataflow md restart 1
/// step 1020
/// units lj
/// atom_style atomic
/// timestep 0.005
/// pair_style lj/cut 2.5            (absent when no pair style was set)
/// pair_modify mix geometric shift no
/// pair_coeff 1 1 1 1 2.5            (one line per pair_coeff I J given)
/// kspace_style none                 (or: kspace_style pppm 1e-05)
/// neighbor 0.3                      (absent: the unit style's default)
/// neigh_modify every 20
/// bond_style harmonic               (these three only for a system with bonds or angles)
/// angle_style harmonic
/// special_bonds lj 0 0 0.5 coul 0 0 0.5
/// data sha256 HEX
/// ...a LAMMPS data file (LammpsDataWriter: shortest round-trip numbers, image flags, velocities)...
/// </code>
/// The settings lines are LAMMPS commands with every number in shortest round-trip form; HEX is the SHA-256 of the
/// data file's UTF-8 bytes, checked on reading. A reader refuses another first line or format number, naming it.
/// Fixes, thermo and dump settings are not kept (a LAMMPS restart does not keep most of them either): the script
/// that reads a restart gives them again.
/// </remarks>
/// <param name="Step">The timestep number.</param>
/// <param name="Units">Unit style name.</param>
/// <param name="Style">Atom style.</param>
/// <param name="Timestep">Timestep size.</param>
/// <param name="PairStyle">Pair style, or null.</param>
/// <param name="PairArguments">Its cutoffs.</param>
/// <param name="PairCoefficients"><c>I J epsilon sigma [cutoff]</c> lines.</param>
/// <param name="Mixing">Mixing rule.</param>
/// <param name="Shift">Energy shift.</param>
/// <param name="KSpace">k-space style.</param>
/// <param name="KSpaceAccuracy">Its accuracy.</param>
/// <param name="Skin">Neighbour skin, or null for the default.</param>
/// <param name="NeighborEvery">Rebuild interval.</param>
/// <param name="System">The atoms.</param>
public sealed record MdRestartFile(long Step, string Units, AtomStyle Style, double Timestep, string? PairStyle,
    double[] PairArguments, string[] PairCoefficients, string Mixing, bool Shift, string KSpace, double KSpaceAccuracy,
    double? Skin, int NeighborEvery, MdSystem System)
{
    /// <summary><c>bond_style</c>, or null (written for a system with bonds only).</summary>
    public string? BondStyle { get; init; }

    /// <summary><c>angle_style</c>, or null.</summary>
    public string? AngleStyle { get; init; }

    /// <summary><c>special_bonds lj</c> weights, or null (written for a system with bonds only).</summary>
    public double[]? SpecialLj { get; init; }

    /// <summary><c>special_bonds coul</c> weights, or null.</summary>
    public double[]? SpecialCoul { get; init; }

    /// <summary>The format this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The first line's words before the format number.</summary>
    public const string Magic = "Dataflow md restart";

    /// <summary>The file's text.</summary>
    public string ToText()
    {
        using var data = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        LammpsDataWriter.Write(data, System);
        var body = data.ToString();
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        Line($"{Magic} {FormatVersion.ToString(CultureInfo.InvariantCulture)}");
        Line($"step {Step.ToString(CultureInfo.InvariantCulture)}");
        Line($"units {Units}");
        Line($"atom_style {LammpsDataReader.StyleName(Style)}");
        Line($"timestep {R(Timestep)}");
        if (PairStyle is not null)
        {
            Line($"pair_style {PairStyle} {string.Join(' ', PairArguments.Select(R))}");
            Line($"pair_modify mix {Mixing} shift {(Shift ? "yes" : "no")}");
            foreach (var c in PairCoefficients)
            {
                Line($"pair_coeff {c}");
            }
        }
        Line(KSpace == "none" ? "kspace_style none" : $"kspace_style {KSpace} {R(KSpaceAccuracy)}");
        if (Skin is { } skin)
        {
            Line($"neighbor {R(skin)}");
        }
        Line($"neigh_modify every {NeighborEvery.ToString(CultureInfo.InvariantCulture)}");
        if (BondStyle is not null)
        {
            Line($"bond_style {BondStyle}");
        }
        if (AngleStyle is not null)
        {
            Line($"angle_style {AngleStyle}");
        }
        if (SpecialLj is not null && SpecialCoul is not null)
        {
            Line($"special_bonds lj {string.Join(' ', SpecialLj.Select(R))} coul {string.Join(' ', SpecialCoul.Select(R))}");
        }
        Line($"data sha256 {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}");
        text.Append(body);
        return text.ToString();
    }

    /// <summary>Reads a restart file's text.</summary>
    /// <exception cref="FormatException">Not a restart file, another format version, a damaged body: naming the line.</exception>
    public static MdRestartFile Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var first = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!lines[0].StartsWith(Magic + " ", StringComparison.Ordinal) || first.Length != 4)
        {
            throw new FormatException($"{fileName}:1: not a Dataflow md restart file (expected '{Magic} {FormatVersion}')");
        }
        if (first[3] != FormatVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new FormatException($"{fileName}:1: restart format {first[3]} is not supported (this build reads format {FormatVersion})");
        }
        long step = 0;
        string units = "lj", kspace = "none", mixing = "geometric";
        var style = AtomStyle.Atomic;
        double timestep = double.NaN, accuracy = 0;
        double? skin = null;
        string? pair = null;
        double[] pairArguments = [];
        var coefficients = new List<string>();
        var shift = false;
        var every = 1;
        string? bondStyle = null, angleStyle = null;
        double[]? specialLj = null, specialCoul = null;
        for (var k = 1; k < lines.Length; k++)
        {
            var w = lines[k].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string Where() => $"{fileName}:{k + 1}";
            try
            {
                switch (w.Length > 0 ? w[0] : "")
                {
                    case "step":
                        step = ScriptNumbers.Long(w[1], "step");
                        break;
                    case "units":
                        units = UnitSystem.Parse(w[1]).Name;
                        break;
                    case "atom_style":
                        style = w[1] switch
                        {
                            "atomic" => AtomStyle.Atomic,
                            "charge" => AtomStyle.Charge,
                            "full" => AtomStyle.Full,
                            _ => throw new FormatException($"atom style '{w[1]}'"),
                        };
                        break;
                    case "timestep":
                        timestep = ScriptNumbers.Double(w[1], "timestep");
                        break;
                    case "pair_style":
                        pair = w[1];
                        pairArguments = w.Skip(2).Select(a => ScriptNumbers.Double(a, "cutoff")).ToArray();
                        break;
                    case "pair_modify":
                        mixing = w[2];
                        shift = ScriptNumbers.YesNo(w[4], "shift");
                        break;
                    case "pair_coeff":
                        coefficients.Add(string.Join(' ', w.Skip(1)));
                        break;
                    case "kspace_style":
                        kspace = w[1];
                        accuracy = kspace == "none" ? 0 : ScriptNumbers.Double(w[2], "accuracy");
                        break;
                    case "neighbor":
                        skin = ScriptNumbers.Double(w[1], "skin");
                        break;
                    case "neigh_modify":
                        every = ScriptNumbers.Int(w[2], "every");
                        break;
                    case "bond_style":
                        bondStyle = w[1] == "harmonic" ? w[1] : throw new FormatException($"bond style '{w[1]}'");
                        break;
                    case "angle_style":
                        angleStyle = w[1] == "harmonic" ? w[1] : throw new FormatException($"angle style '{w[1]}'");
                        break;
                    case "special_bonds":
                        if (w.Length != 9 || w[1] != "lj" || w[5] != "coul")
                        {
                            throw new FormatException("expected special_bonds lj W12 W13 W14 coul W12 W13 W14");
                        }
                        specialLj = w[2..5].Select(v => ScriptNumbers.Double(v, "weight")).ToArray();
                        specialCoul = w[6..9].Select(v => ScriptNumbers.Double(v, "weight")).ToArray();
                        break;
                    case "data":
                        var body = string.Join('\n', lines.Skip(k + 1));
                        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
                        if (w.Length != 3 || w[1] != "sha256" || w[2] != hash)
                        {
                            throw new FormatException("the data below does not match its SHA-256 (a damaged or edited file)");
                        }
                        MdSystem system;
                        try
                        {
                            system = LammpsDataReader.ReadText(body, $"{fileName} (data from line {k + 2})", style);
                        }
                        catch (LammpsDataFormatException e)
                        {
                            throw new FormatException(e.Message, e);
                        }
                        if (double.IsNaN(timestep))
                        {
                            throw new FormatException("no timestep line before the data");
                        }
                        return new MdRestartFile(step, units, style, timestep, pair, pairArguments, coefficients.ToArray(), mixing,
                            shift, kspace, accuracy, skin, every, system)
                        {
                            BondStyle = bondStyle,
                            AngleStyle = angleStyle,
                            SpecialLj = specialLj,
                            SpecialCoul = specialCoul,
                        };
                    default:
                        throw new FormatException($"unexpected line '{lines[k]}'");
                }
            }
            catch (Exception e) when (e is IndexOutOfRangeException or FormatException or ArgumentException)
            {
                throw new FormatException($"{Where()}: {e.Message}", e);
            }
        }
        throw new FormatException($"{fileName}: no data section (the file is cut short)");
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
