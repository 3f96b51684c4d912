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
    public static void Write(string path, IReadOnlyList<double> energies, double? referenceHartree) =>
        File.WriteAllBytes(path, Encode(Render(Layout(energies, referenceHartree)), Width, Height));

    /// <summary>What the plot shows, in pixel coordinates: the axes (titles, scale, ticks), the chemical-accuracy line
    /// and the curve. <see cref="Render"/> draws exactly this.</summary>
    public static PlotLayout Layout(IReadOnlyList<double> energies, double? referenceHartree)
    {
        var n = Math.Max(2, energies.Count);
        double X(int i) => Left + (Width - Left - Right) * (double)i / (n - 1);
        var plotHeight = Height - Top - Bottom;
        var yTicks = new List<PlotTick>();
        var grid = new List<double>();
        List<(double X, double Y)> curve;
        string yTitle;
        double? accuracy = null;
        if (referenceHartree is { } reference)
        {
            var errors = energies.Select(e => Math.Max(Math.Abs(e - reference), 1e-7)).ToArray();
            var top = Math.Ceiling(Math.Log10(errors.Max()));
            var bottom = Math.Min(Math.Floor(Math.Log10(errors.Min())), Math.Floor(Math.Log10(ChemicalAccuracyHartree)));
            double Y(double v) => Top + plotHeight * (top - Math.Log10(Math.Max(v, 1e-7))) / Math.Max(1e-9, top - bottom);
            var every = Math.Max(1, (int)Math.Ceiling((top - bottom + 1) / 12));
            for (var decade = bottom; decade <= top; decade++)
            {
                grid.Add(Y(Math.Pow(10, decade)));
                if ((int)(decade - bottom) % every == 0)
                {
                    yTicks.Add(new PlotTick($"1e{decade:0}", Math.Pow(10, decade), Y(Math.Pow(10, decade))));
                }
            }
            accuracy = Y(ChemicalAccuracyHartree);
            curve = errors.Select((e, i) => (X(i), Y(e))).ToList();
            yTitle = "error |E - E_ref| (Ha), log scale";
        }
        else
        {
            var max = energies.Max();
            var min = energies.Min();
            double Y(double v) => Top + plotHeight * (max - v) / Math.Max(1e-12, max - min);
            for (var q = 0; q <= 4; q++)
            {
                var v = max - (max - min) * q / 4;
                grid.Add(Y(v));
                yTicks.Add(new PlotTick(v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), v, Y(v)));
            }
            curve = energies.Select((e, i) => (X(i), Y(e))).ToList();
            yTitle = "energy E (Ha)";
        }
        // Iteration ticks are 1-based, as the progress lines count.
        var xTicks = new List<PlotTick>();
        for (var q = 0; q <= 4; q++)
        {
            var i = (int)Math.Round((n - 1) * q / 4.0);
            xTicks.Add(new PlotTick((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), i + 1, X(i)));
        }
        return new PlotLayout(Width, Height, (Left, Top, Width - Right, Height - Bottom), "iteration", yTitle,
            referenceHartree is not null, xTicks, yTicks, grid, accuracy, curve);
    }

    /// <summary>RGB pixels of <paramref name="layout"/>.</summary>
    public static byte[] Render(PlotLayout layout)
    {
        var pixels = new byte[Width * Height * 3];
        Array.Fill(pixels, (byte)255);
        var canvas = new Canvas(pixels);
        foreach (var y in layout.GridLines)
        {
            canvas.Line(Left, y, Width - Right, y, Grid);
        }
        foreach (var tick in layout.YTicks)
        {
            canvas.TextRight(tick.Label, Left - 6, (int)tick.Pixel - 3);
        }
        if (layout.AccuracyLine is { } accuracy)
        {
            canvas.Line(Left, accuracy, Width - Right, accuracy, Accuracy, thick: true);
            canvas.Text("1.6 mHa", Width - Right - PixelFont.Measure("1.6 mHa") - 4, (int)accuracy - 11, Accuracy);
        }
        for (var i = 1; i < layout.Curve.Count; i++)
        {
            canvas.Line(layout.Curve[i - 1].X, layout.Curve[i - 1].Y, layout.Curve[i].X, layout.Curve[i].Y, Curve, thick: true);
        }
        canvas.Text(layout.YTitle, Left, Top - 24, Ink, scale: 2);
        canvas.Line(Left, Top, Left, Height - Bottom, Ink);
        canvas.Line(Left, Height - Bottom, Width - Right, Height - Bottom, Ink);
        foreach (var tick in layout.XTicks)
        {
            canvas.Line(tick.Pixel, Height - Bottom, tick.Pixel, Height - Bottom + 4, Ink);
            canvas.Text(tick.Label, (int)tick.Pixel - PixelFont.Measure(tick.Label) / 2, Height - Bottom + 8, Ink);
        }
        canvas.Text(layout.XTitle, Left + (Width - Left - Right - PixelFont.Measure(layout.XTitle, 2)) / 2, Height - 22, Ink, scale: 2);
        return pixels;
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

/// <summary>What <see cref="ConvergencePlot"/> draws, in pixels (y grows downwards).</summary>
/// <param name="PlotArea">The frame: left, top, right and bottom pixel.</param>
/// <param name="LogScale">Whether the y axis is the error on a log scale (a reference was given).</param>
/// <param name="GridLines">The y pixel of every grey grid line.</param>
/// <param name="AccuracyLine">The y pixel of the 1.6 mHa line, with a reference.</param>
/// <param name="Curve">The point of every iteration.</param>
internal sealed record PlotLayout(
    int Width,
    int Height,
    (int Left, int Top, int Right, int Bottom) PlotArea,
    string XTitle,
    string YTitle,
    bool LogScale,
    IReadOnlyList<PlotTick> XTicks,
    IReadOnlyList<PlotTick> YTicks,
    IReadOnlyList<double> GridLines,
    double? AccuracyLine,
    IReadOnlyList<(double X, double Y)> Curve);

/// <summary>A labelled tick: its text, the value it marks and its pixel along its axis.</summary>
internal sealed record PlotTick(string Label, double Value, double Pixel);
