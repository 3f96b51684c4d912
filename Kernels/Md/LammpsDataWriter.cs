using System.Globalization;
using System.IO.Compression;

namespace Dataflow.Kernels.Md;

/// <summary>Writes an <see cref="MdSystem"/> as a LAMMPS data file that <c>read_data</c> and
/// <see cref="LammpsDataReader"/> read back exactly.</summary>
/// <remarks>Layout of LAMMPS' <c>write_data</c> (docs.lammps.org/write_data.html): title, header, <c>Masses</c>
/// (when every type has one), <c>Pair Coeffs</c> (when the system carries them), <c>Bond Coeffs</c> and
/// <c>Angle Coeffs</c> (when the topology carries them), <c>Atoms # style</c> with image flags, <c>Velocities</c>,
/// <c>Bonds</c> and <c>Angles</c> (with the counts in the header). Numbers are written in the shortest form that parses back to the same double.</remarks>
public static class LammpsDataWriter
{
    /// <summary>Writes <paramref name="system"/> to <paramref name="path"/>, gzip-compressed when the name ends in
    /// <c>.gz</c>.</summary>
    public static void Write(string path, MdSystem system)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.Optimal)
            : file;
        using var writer = new StreamWriter(stream) { NewLine = "\n" };
        Write(writer, system);
    }

    /// <summary>Writes <paramref name="system"/> to <paramref name="writer"/>.</summary>
    public static void Write(TextWriter writer, MdSystem system)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(system);
        var n = system.AtomCount;
        var box = system.Box;
        writer.WriteLine(system.Title.ReplaceLineEndings(" "));
        writer.WriteLine();
        writer.WriteLine(Invariant($"{n} atoms"));
        writer.WriteLine(Invariant($"{system.TypeCount} atom types"));
        var topology = system.Topology;
        if (topology is not null)
        {
            writer.WriteLine(Invariant($"{topology.Bonds.Length} bonds"));
            writer.WriteLine(Invariant($"{topology.BondTypeCount} bond types"));
            writer.WriteLine(Invariant($"{topology.Angles.Length} angles"));
            writer.WriteLine(Invariant($"{topology.AngleTypeCount} angle types"));
        }
        writer.WriteLine();
        writer.WriteLine($"{R(box.XLo)} {R(box.XHi)} xlo xhi");
        writer.WriteLine($"{R(box.YLo)} {R(box.YHi)} ylo yhi");
        writer.WriteLine($"{R(box.ZLo)} {R(box.ZHi)} zlo zhi");
        if (system.Masses.All(m => m > 0))
        {
            writer.WriteLine();
            writer.WriteLine("Masses");
            writer.WriteLine();
            for (var t = 0; t < system.TypeCount; t++)
            {
                writer.WriteLine(Invariant($"{t + 1} {R(system.Masses[t])}"));
            }
        }
        if (system.PairCoefficients is { } pair)
        {
            writer.WriteLine();
            writer.WriteLine(pair.Style is null ? "Pair Coeffs" : $"Pair Coeffs # {pair.Style}");
            writer.WriteLine();
            foreach (var line in pair.Lines)
            {
                writer.WriteLine(line);
            }
        }
        WriteCoefficients(writer, "Bond Coeffs", topology?.BondCoefficients);
        WriteCoefficients(writer, "Angle Coeffs", topology?.AngleCoefficients);
        writer.WriteLine();
        writer.WriteLine($"Atoms # {LammpsDataReader.StyleName(system.Style)}");
        writer.WriteLine();
        var x = system.Positions;
        var image = system.Images;
        for (var i = 0; i < n; i++)
        {
            var prefix = system.Style switch
            {
                AtomStyle.Atomic => Invariant($"{system.Ids[i]} {system.Types[i]}"),
                AtomStyle.Charge => Invariant($"{system.Ids[i]} {system.Types[i]} {R(system.Charges![i])}"),
                _ => Invariant($"{system.Ids[i]} {system.MoleculeIds![i]} {system.Types[i]} {R(system.Charges![i])}"),
            };
            writer.WriteLine(Invariant(
                $"{prefix} {R(x[3 * i])} {R(x[3 * i + 1])} {R(x[3 * i + 2])} {image[3 * i]} {image[3 * i + 1]} {image[3 * i + 2]}"));
        }
        writer.WriteLine();
        writer.WriteLine("Velocities");
        writer.WriteLine();
        var v = system.Velocities;
        for (var i = 0; i < n; i++)
        {
            writer.WriteLine(Invariant($"{system.Ids[i]} {R(v[3 * i])} {R(v[3 * i + 1])} {R(v[3 * i + 2])}"));
        }
        if (topology is { Bonds.Length: > 0 })
        {
            writer.WriteLine();
            writer.WriteLine("Bonds");
            writer.WriteLine();
            for (var b = 0; b < topology.Bonds.Length; b++)
            {
                var (type, a1, a2) = topology.Bonds[b];
                writer.WriteLine(Invariant($"{b + 1} {type} {a1} {a2}"));
            }
        }
        if (topology is { Angles.Length: > 0 })
        {
            writer.WriteLine();
            writer.WriteLine("Angles");
            writer.WriteLine();
            for (var a = 0; a < topology.Angles.Length; a++)
            {
                var (type, a1, a2, a3) = topology.Angles[a];
                writer.WriteLine(Invariant($"{a + 1} {type} {a1} {a2} {a3}"));
            }
        }
    }

    private static void WriteCoefficients(TextWriter writer, string section, string[]? lines)
    {
        if (lines is null || lines.Length == 0)
        {
            return;
        }
        writer.WriteLine();
        writer.WriteLine(section);
        writer.WriteLine();
        for (var t = 0; t < lines.Length; t++)
        {
            writer.WriteLine(Invariant($"{t + 1} {lines[t]}"));
        }
    }

    /// <summary>Shortest text that parses back to the same double.</summary>
    internal static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
