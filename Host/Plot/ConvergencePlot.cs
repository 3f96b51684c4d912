using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Dataflow.Host.Plot;

/// <summary>A PNG of an energy convergence: with a reference, the error E - E_ref on a log scale (grey lines at every
/// decade, the 1.6 mHa chemical-accuracy line in green); without one, the energy on a linear scale.</summary>
/// <remarks>Written directly as PNG (RGB, 8 bits, zlib-compressed scanlines with filter 0; PNG specification,
/// w3.org/TR/png), so no imaging library is needed.</remarks>
internal static class ConvergencePlot
{
    private const int Width = 800;
    private const int Height = 500;
    private const int Margin = 40;
    private const double ChemicalAccuracyHartree = 1.6e-3;

    public static readonly (byte R, byte G, byte B) Curve = (31, 119, 180);
    public static readonly (byte R, byte G, byte B) Accuracy = (44, 160, 44);
    public static readonly (byte R, byte G, byte B) Grid = (210, 210, 210);

    /// <summary>Writes the plot of <paramref name="energies"/> (one per iteration) to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<double> energies, double? referenceHartree)
    {
        var pixels = new byte[Width * Height * 3];
        Array.Fill(pixels, (byte)255);
        var canvas = new Canvas(pixels);
        var n = Math.Max(2, energies.Count);
        double X(int i) => Margin + (Width - 2.0 * Margin) * i / (n - 1);
        Func<double, double> y;
        if (referenceHartree is { } reference)
        {
            var errors = energies.Select(e => Math.Max(Math.Abs(e - reference), 1e-7)).ToArray();
            var top = Math.Ceiling(Math.Log10(errors.Max()));
            var bottom = Math.Min(Math.Floor(Math.Log10(errors.Min())), Math.Floor(Math.Log10(ChemicalAccuracyHartree)));
            y = v => Margin + (Height - 2.0 * Margin) * (top - Math.Log10(Math.Max(v, 1e-7))) / Math.Max(1e-9, top - bottom);
            for (var decade = bottom; decade <= top; decade++)
            {
                canvas.Line(Margin, y(Math.Pow(10, decade)), Width - Margin, y(Math.Pow(10, decade)), Grid);
            }
            canvas.Line(Margin, y(ChemicalAccuracyHartree), Width - Margin, y(ChemicalAccuracyHartree), Accuracy, thick: true);
            for (var i = 1; i < errors.Length; i++)
            {
                canvas.Line(X(i - 1), y(errors[i - 1]), X(i), y(errors[i]), Curve, thick: true);
            }
        }
        else
        {
            var max = energies.Max();
            var min = energies.Min();
            y = v => Margin + (Height - 2.0 * Margin) * (max - v) / Math.Max(1e-12, max - min);
            for (var i = 1; i < energies.Count; i++)
            {
                canvas.Line(X(i - 1), y(energies[i - 1]), X(i), y(energies[i]), Curve, thick: true);
            }
        }
        // Frame.
        canvas.Line(Margin, Margin, Margin, Height - Margin, (0, 0, 0));
        canvas.Line(Margin, Height - Margin, Width - Margin, Height - Margin, (0, 0, 0));
        File.WriteAllBytes(path, Encode(pixels, Width, Height));
    }

    /// <summary>PNG bytes of an RGB image.</summary>
    public static byte[] Encode(byte[] rgb, int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB
        Chunk(output, "IHDR", header);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var row = 0; row < height; row++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(rgb, row * width * 3, width * 3);
            }
        }
        Chunk(output, "IDAT", raw.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32([.. typeBytes, .. data]));
        output.Write(word);
    }

    /// <summary>CRC-32 (ISO 3309, polynomial 0xEDB88320) as PNG chunks use it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return crc ^ 0xFFFFFFFFu;
    }

    private readonly struct Canvas(byte[] pixels)
    {
        public void Line(double x0, double y0, double x1, double y1, (byte R, byte G, byte B) colour, bool thick = false)
        {
            var steps = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0))) + 1;
            for (var s = 0; s <= steps; s++)
            {
                var x = (int)Math.Round(x0 + (x1 - x0) * s / steps);
                var y = (int)Math.Round(y0 + (y1 - y0) * s / steps);
                Set(x, y, colour);
                if (thick)
                {
                    Set(x, y + 1, colour);
                    Set(x + 1, y, colour);
                }
            }
        }

        private void Set(int x, int y, (byte R, byte G, byte B) colour)
        {
            if (x < 0 || y < 0 || x >= Width || y >= Height)
            {
                return;
            }
            var o = 3 * (y * Width + x);
            pixels[o] = colour.R;
            pixels[o + 1] = colour.G;
            pixels[o + 2] = colour.B;
        }
    }
}
