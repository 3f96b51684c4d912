using System.Globalization;
using System.IO.Compression;

namespace Dataflow.Kernels.Md;

/// <summary>Writes an <see cref="MdSystem"/> as a LAMMPS data file that <c>read_data</c> and
/// <see cref="LammpsDataReader"/> read back exactly.</summary>
/// <remarks>Layout of LAMMPS' <c>write_data</c> (docs.lammps.org/write_data.html): title, header, <c>Masses</c>
/// (when every type has one), <c>Pair Coeffs</c> (when the system carries them), <c>Atoms # style</c> with image
/// flags, <c>Velocities</c>. Numbers are written in the shortest form that parses back to the same double.</remarks>
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
    }

    /// <summary>Shortest text that parses back to the same double.</summary>
    internal static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
