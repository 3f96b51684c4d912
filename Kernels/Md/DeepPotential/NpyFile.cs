using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>NumPy's <c>.npy</c> format (numpy.lib.format, versions 1.0, 2.0 and 3.0): little-endian float64, float32,
/// int64 and int32 arrays in C order, read as doubles; written as version 1.0 float64.</summary>
/// <remarks>Written here rather than taken from NumSharp (the one .npy package served): its loader reports a malformed
/// header or a short file without naming the file or what was expected, and this project's promise is one clear
/// error naming the file. The format is small: magic "\x93NUMPY", major and minor version, a little-endian header
/// length (2 bytes in 1.0, 4 in 2.0 and 3.0), a Python dict literal padded with spaces to a multiple of 64 bytes
/// ending in '\n', then the data.</remarks>
public static partial class NpyFile
{
    private static readonly byte[] s_magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an array of numbers and its shape.</summary>
    /// <exception cref="InvalidDataException">The file is not a .npy array this reader supports; the message names the
    /// file and what was wrong.</exception>
    public static (double[] Data, int[] Shape) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(s_magic))
        {
            throw Bad(path, "not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes[6];
        int headerLength, start;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
                start = 10;
                break;
            case 2 or 3 when bytes.Length >= 12:
                headerLength = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), int.MaxValue);
                start = 12;
                break;
            default:
                throw Bad(path, $"unsupported .npy version {major}.{bytes[7]} (1.0, 2.0 and 3.0 are read)");
        }
        if (start + headerLength > bytes.Length)
        {
            throw Bad(path, $"the header claims {headerLength} bytes, the file has {bytes.Length - start} after the preamble");
        }
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, start, headerLength);
        var descr = Descr().Match(header);
        var order = FortranOrder().Match(header);
        var shapeMatch = ShapeField().Match(header);
        if (!descr.Success || !order.Success || !shapeMatch.Success)
        {
            throw Bad(path, $"bad header {header.Trim()} (expected 'descr', 'fortran_order' and 'shape')");
        }
        if (order.Groups[1].Value != "False")
        {
            throw Bad(path, "Fortran-order arrays are not supported (save with C order)");
        }
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(path, $"bad shape entry '{s}'"))
            .ToArray();
        var type = descr.Groups[1].Value;
        var size = type switch
        {
            "<f8" or "<i8" => 8,
            "<f4" or "<i4" => 4,
            _ => throw Bad(path, $"unsupported dtype '{type}' (little-endian float64, float32, int64 or int32 are read)"),
        };
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var dataStart = start + headerLength;
        if (bytes.Length - dataStart != count * size)
        {
            throw Bad(path, $"shape ({string.Join(", ", shape)}) of {type} needs {count * size} data bytes, the file has {bytes.Length - dataStart}"
                + (bytes.Length - dataStart < count * size ? " (truncated)" : ""));
        }
        var data = new double[count];
        var span = bytes.AsSpan(dataStart);
        for (var i = 0; i < count; i++)
        {
            data[i] = type switch
            {
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(span[(8 * i)..]),
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(span[(4 * i)..]),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(span[(8 * i)..]),
                _ => BinaryPrimitives.ReadInt32LittleEndian(span[(4 * i)..]),
            };
        }
        return (data, shape);
    }

    /// <summary>Writes <paramref name="data"/> as a version 1.0 little-endian float64 array of <paramref name="shape"/>.</summary>
    public static void Write(string path, ReadOnlySpan<double> data, params int[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != data.Length)
        {
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {data.Length} numbers", nameof(shape));
        }
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shapeText}, }}";
        // numpy pads so that the data starts at a multiple of 64 bytes, the header ending in '\n'.
        var total = 10 + dict.Length + 1;
        var padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        var bytes = new byte[10 + header.Length + 8 * data.Length];
        s_magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(10 + header.Length + 8 * i), data[i]);
        }
        File.WriteAllBytes(path, bytes);
    }

    private static InvalidDataException Bad(string path, string what) => new($"{path}: {what}");

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranOrder();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
}
