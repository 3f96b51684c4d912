using System.Globalization;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>A labelled frame: configuration, energy (eV), forces (eV/Angstrom, [atom, 3]) and optionally the virial
/// (eV, 3x3 row-major).</summary>
public sealed record DpLabelledFrame(DpFrame Frame, double Energy, double[] Forces, double[]? Virial);

/// <summary>One deepmd-kit data system: atoms of fixed types and their labelled frames, in deepmd-kit's layout.</summary>
/// <remarks>
/// The layout (deepmd-kit documentation, "Data format"): <c>type.raw</c> (one type index per atom, whitespace
/// separated), <c>type_map.raw</c> (element names, optional), <c>nopbc</c> (present for open systems, optional), and
/// folders <c>set.*</c> in name order, each with <c>coord.npy</c> [frames, atoms*3], <c>box.npy</c> [frames, 9] (box
/// vectors as rows), <c>energy.npy</c> [frames], <c>force.npy</c> [frames, atoms*3] and optionally <c>virial.npy</c>
/// [frames, 9]. Units: Angstrom, eV, eV/Angstrom.
/// </remarks>
public sealed record DeepmdSystem(string Name, string[] TypeMap, int[] Types, IReadOnlyList<DpLabelledFrame> Frames)
{
    /// <summary>Atoms per frame.</summary>
    public int AtomCount => Types.Length;

    /// <summary>Whether every frame has a virial label.</summary>
    public bool HasVirial => Frames.All(f => f.Virial is not null);

    /// <summary>Reads a system folder.</summary>
    /// <exception cref="InvalidDataException">A file is missing or malformed; the message names it.</exception>
    public static DeepmdSystem Read(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidDataException($"{directory}: no such data folder");
        }
        var typeFile = Path.Combine(directory, "type.raw");
        if (!File.Exists(typeFile))
        {
            throw new InvalidDataException($"{typeFile}: missing (a deepmd-kit system has type.raw)");
        }
        var types = ReadInts(typeFile);
        if (types.Length == 0)
        {
            throw new InvalidDataException($"{typeFile}: no atoms");
        }
        var mapFile = Path.Combine(directory, "type_map.raw");
        var typeMap = File.Exists(mapFile)
            ? File.ReadAllText(mapFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            : Enumerable.Range(0, types.Max() + 1).Select(t => $"Type_{t}").ToArray();
        for (var i = 0; i < types.Length; i++)
        {
            if (types[i] < 0 || types[i] >= typeMap.Length)
            {
                throw new InvalidDataException($"{typeFile}: atom {i} has type {types[i]}, outside 0..{typeMap.Length - 1} of {mapFile}");
            }
        }
        var periodic = !File.Exists(Path.Combine(directory, "nopbc"));
        var sets = Directory.GetDirectories(directory, "set.*").Order(StringComparer.Ordinal).ToArray();
        if (sets.Length == 0)
        {
            throw new InvalidDataException($"{directory}: no set.* folders");
        }
        var n = types.Length;
        var frames = new List<DpLabelledFrame>();
        foreach (var set in sets)
        {
            var coord = Array(set, "coord.npy", null, 3 * n, required: true)!;
            var frameCount = coord.Length / (3 * n);
            var box = periodic ? Array(set, "box.npy", frameCount, 9, required: true) : null;
            var energy = Array(set, "energy.npy", frameCount, 1, required: true)!;
            var force = Array(set, "force.npy", frameCount, 3 * n, required: true)!;
            var virial = Array(set, "virial.npy", frameCount, 9, required: false);
            for (var f = 0; f < frameCount; f++)
            {
                frames.Add(new DpLabelledFrame(
                    new DpFrame(coord.AsSpan(3 * n * f, 3 * n).ToArray(), box?.AsSpan(9 * f, 9).ToArray()),
                    energy[f],
                    force.AsSpan(3 * n * f, 3 * n).ToArray(),
                    virial?.AsSpan(9 * f, 9).ToArray()));
            }
        }
        return new DeepmdSystem(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))), typeMap, types, frames);
    }

    /// <summary>Writes the system to <paramref name="directory"/> with at most <paramref name="framesPerSet"/> frames
    /// per <c>set.NNN</c> folder.</summary>
    public void Write(string directory, int framesPerSet = int.MaxValue)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "type.raw"), string.Join("\n", Types.Select(t => t.ToString(CultureInfo.InvariantCulture))) + "\n");
        File.WriteAllText(Path.Combine(directory, "type_map.raw"), string.Join("\n", TypeMap) + "\n");
        var periodic = Frames.All(f => f.Frame.Box is not null);
        if (!periodic)
        {
            File.WriteAllText(Path.Combine(directory, "nopbc"), "");
        }
        var n = AtomCount;
        for (int start = 0, set = 0; start < Frames.Count; start += framesPerSet, set++)
        {
            var chunk = Frames.Skip(start).Take(framesPerSet).ToArray();
            var folder = Path.Combine(directory, $"set.{set:D3}");
            Directory.CreateDirectory(folder);
            NpyFile.Write(Path.Combine(folder, "coord.npy"), chunk.SelectMany(f => f.Frame.Positions).ToArray(), chunk.Length, 3 * n);
            if (periodic)
            {
                NpyFile.Write(Path.Combine(folder, "box.npy"), chunk.SelectMany(f => f.Frame.Box!).ToArray(), chunk.Length, 9);
            }
            NpyFile.Write(Path.Combine(folder, "energy.npy"), chunk.Select(f => f.Energy).ToArray(), chunk.Length);
            NpyFile.Write(Path.Combine(folder, "force.npy"), chunk.SelectMany(f => f.Forces).ToArray(), chunk.Length, 3 * n);
            if (chunk.All(f => f.Virial is not null))
            {
                NpyFile.Write(Path.Combine(folder, "virial.npy"), chunk.SelectMany(f => f.Virial!).ToArray(), chunk.Length, 9);
            }
        }
    }

    private static int[] ReadInts(string path)
    {
        var fields = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var values = new int[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!int.TryParse(fields[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new InvalidDataException($"{path}: entry {i + 1} '{fields[i]}' is not a type index");
            }
        }
        return values;
    }

    // An array of [frames, width] (or [frames] when width is 1); frames null takes the file's own count.
    private static double[]? Array(string set, string name, int? frames, int width, bool required)
    {
        var path = Path.Combine(set, name);
        if (!File.Exists(path))
        {
            return required ? throw new InvalidDataException($"{path}: missing") : null;
        }
        var (data, shape) = NpyFile.Read(path);
        var rows = shape.Length > 0 ? shape[0] : 0;
        var ok = shape.Length switch
        {
            1 => width == 1,
            2 => shape[1] == width,
            _ => false,
        };
        if (!ok || (frames is { } f && rows != f) || rows == 0)
        {
            var expected = width == 1 ? $"({frames?.ToString(CultureInfo.InvariantCulture) ?? "frames"},)" : $"({frames?.ToString(CultureInfo.InvariantCulture) ?? "frames"}, {width})";
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}), expected {expected}");
        }
        return data;
    }
}
