using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Dataflow.Host.Plot;

/// <summary>A PNG of an energy convergence: with a reference, the error E - E_ref on a log scale (grey lines at every
/// decade, the 1.6 mHa chemical-accuracy line in green); without one, the energy on a linear scale. Axes carry their
/// titles and tick labels (iterations below, decades or energies on the left) in <see cref="PixelFont"/>.</summary>
/// <remarks>Written directly as PNG (RGB, 8 bits, zlib-compressed scanlines with filter 0; PNG specification,
/// w3.org/TR/png), so no imaging library is needed.</remarks>
internal static class ConvergencePlot
{
    private const int Width = 800;
    private const int Height = 500;
    private const int Left = 78;
    private const int Right = 24;
    private const int Top = 40;
    private const int Bottom = 52;
    private const double ChemicalAccuracyHartree = 1.6e-3;

    public static readonly (byte R, byte G, byte B) Curve = (31, 119, 180);
    public static readonly (byte R, byte G, byte B) Accuracy = (44, 160, 44);
    public static readonly (byte R, byte G, byte B) Grid = (210, 210, 210);
    public static readonly (byte R, byte G, byte B) Ink = (0, 0, 0);

    /// <summary>Writes the plot of <paramref name="energies"/> (one per iteration) to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<double> energies, double? referenceHartree)
    {
        var pixels = new byte[Width * Height * 3];
        Array.Fill(pixels, (byte)255);
        var canvas = new Canvas(pixels);
        var n = Math.Max(2, energies.Count);
        double X(int i) => Left + (Width - Left - Right) * (double)i / (n - 1);
        var plotHeight = Height - Top - Bottom;
        if (referenceHartree is { } reference)
        {
            var errors = energies.Select(e => Math.Max(Math.Abs(e - reference), 1e-7)).ToArray();
            var top = Math.Ceiling(Math.Log10(errors.Max()));
            var bottom = Math.Min(Math.Floor(Math.Log10(errors.Min())), Math.Floor(Math.Log10(ChemicalAccuracyHartree)));
            double Y(double v) => Top + plotHeight * (top - Math.Log10(Math.Max(v, 1e-7))) / Math.Max(1e-9, top - bottom);
            var every = Math.Max(1, (int)Math.Ceiling((top - bottom + 1) / 12));
            for (var decade = bottom; decade <= top; decade++)
            {
                canvas.Line(Left, Y(Math.Pow(10, decade)), Width - Right, Y(Math.Pow(10, decade)), Grid);
                if ((int)(decade - bottom) % every == 0)
                {
                    canvas.TextRight($"1e{decade:0}", Left - 6, (int)Y(Math.Pow(10, decade)) - 3);
                }
            }
            canvas.Line(Left, Y(ChemicalAccuracyHartree), Width - Right, Y(ChemicalAccuracyHartree), Accuracy, thick: true);
            canvas.Text("1.6 mHa", Width - Right - PixelFont.Measure("1.6 mHa") - 4, (int)Y(ChemicalAccuracyHartree) - 11, Accuracy);
            for (var i = 1; i < errors.Length; i++)
            {
                canvas.Line(X(i - 1), Y(errors[i - 1]), X(i), Y(errors[i]), Curve, thick: true);
            }
            canvas.Text("error |E - E_ref| (Ha), log scale", Left, Top - 24, Ink, scale: 2);
        }
        else
        {
            var max = energies.Max();
            var min = energies.Min();
            double Y(double v) => Top + plotHeight * (max - v) / Math.Max(1e-12, max - min);
            for (var q = 0; q <= 4; q++)
            {
                var v = max - (max - min) * q / 4;
                canvas.Line(Left, Y(v), Width - Right, Y(v), Grid);
                canvas.TextRight(v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), Left - 6, (int)Y(v) - 3);
            }
            for (var i = 1; i < energies.Count; i++)
            {
                canvas.Line(X(i - 1), Y(energies[i - 1]), X(i), Y(energies[i]), Curve, thick: true);
            }
            canvas.Text("energy E (Ha)", Left, Top - 24, Ink, scale: 2);
        }
        // Frame, iteration ticks (1-based, as the progress lines count) and the x-axis title.
        canvas.Line(Left, Top, Left, Height - Bottom, Ink);
        canvas.Line(Left, Height - Bottom, Width - Right, Height - Bottom, Ink);
        for (var q = 0; q <= 4; q++)
        {
            var i = (int)Math.Round((n - 1) * q / 4.0);
            var label = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            canvas.Line(X(i), Height - Bottom, X(i), Height - Bottom + 4, Ink);
            canvas.Text(label, (int)X(i) - PixelFont.Measure(label) / 2, Height - Bottom + 8, Ink);
        }
        const string axis = "iteration";
        canvas.Text(axis, Left + (Width - Left - Right - PixelFont.Measure(axis, 2)) / 2, Height - 22, Ink, scale: 2);
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

        public void Text(string text, int x, int y, (byte R, byte G, byte B) colour, int scale = 1)
        {
            var self = this;
            PixelFont.Draw(text, x, y, scale, (px, py) => self.Set(px, py, colour));
        }

        /// <summary>Text whose right edge is at <paramref name="right"/>.</summary>
        public void TextRight(string text, int right, int y) => Text(text, right - PixelFont.Measure(text), y, Ink);

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
