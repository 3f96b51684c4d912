using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace Dataflow.Host.Plot;

/// <summary>Writes a <see cref="Chart"/> as PNG or SVG (by the file's extension) with ScottPlot.</summary>
/// <remarks>The text is set in Liberation Sans (SIL Open Font License, <c>Fonts/LiberationSans-OFL.txt</c>), embedded
/// in this assembly, so a plot has its titles and tick labels on a machine without any installed font.</remarks>
internal static class ChartFile
{
    /// <summary>The width of a written plot in pixels.</summary>
    public const int Width = 900;

    /// <summary>The height of one panel in pixels (a title band is added on top).</summary>
    public const int PanelHeight = 330;

    /// <summary>The height of the title band in pixels.</summary>
    public const int TitleHeight = 40;

    private const string FontName = "Liberation Sans";
    private static readonly Lazy<SKTypeface> s_typeface = new(LoadTypeface);
    private static readonly Lock s_lock = new();

    // ScottPlot's palette (Category10): a series keeps its colour from panel to panel; past ten series the colours come
    // again with another line pattern (fci draws a curve per Davidson run, two per symmetry block).
    private static readonly Color[] s_colours =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75),
        new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];
    private static readonly LinePattern[] s_patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>The file extensions <see cref="Write"/> takes.</summary>
    public static readonly string[] Extensions = [".png", ".svg"];

    /// <summary>Null when <paramref name="path"/> names a format <see cref="Write"/> writes, else why not.</summary>
    public static string? CheckExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant())
            ? null
            : $"'{path}': a plot is written as .png or .svg (by the file's extension)";

    /// <summary>Pixel size of <paramref name="chart"/>'s image.</summary>
    public static (int Width, int Height) Size(Chart chart) => (Width, TitleHeight + PanelHeight * chart.Panels.Count);

    /// <summary>Writes <paramref name="chart"/> to <paramref name="path"/>: SVG for <c>.svg</c>, else PNG.</summary>
    public static void Write(Chart chart, string path)
    {
        var (width, height) = Size(chart);
        // ScottPlot's font registry is process-wide: one figure at a time.
        lock (s_lock)
        {
            EnsureFont();
            // Past six curves a legend inside would hide them: it goes to the right of the first panel's data (a series
            // keeps its colour from panel to panel), and every panel keeps that margin, so their x axes still line up.
            var legendOutside = chart.Panels.Max(p => p.Series.Count + (p.Lines?.Count ?? 0)) > 6;
            var plots = chart.Panels.Select((p, i) => Panel(p, i == chart.Panels.Count - 1 ? chart.XTitle : null, legendOutside,
                legend: !legendOutside || i == 0)).ToArray();
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
            try
            {
                using (var stream = File.Create(temporary))
                {
                    if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
                    {
                        using var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream);
                        Draw(canvas, chart.Title, plots, width, height);
                    }
                    else
                    {
                        using var surface = SKSurface.Create(new SKImageInfo(width, height));
                        Draw(surface.Canvas, chart.Title, plots, width, height);
                        using var image = surface.Snapshot();
                        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
                        png.SaveTo(stream);
                    }
                }
                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
    }

    private static void Draw(SKCanvas canvas, string title, ScottPlot.Plot[] plots, int width, int height)
    {
        canvas.Clear(SKColors.White);
        for (var i = 0; i < plots.Length; i++)
        {
            var top = TitleHeight + i * PanelHeight;
            // A plot's render clears the whole canvas: the clip keeps it to its own band.
            canvas.Save();
            canvas.ClipRect(new SKRect(0, top, width, top + PanelHeight));
            plots[i].Render(canvas, new PixelRect(0, width, top + PanelHeight, top));
            canvas.Restore();
        }
        using var font = new SKFont(s_typeface.Value, 20);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(title, width / 2f, TitleHeight - 12, SKTextAlign.Center, font, paint);
    }

    private static ScottPlot.Plot Panel(ChartPanel panel, string? xTitle, bool legendOutside, bool legend)
    {
        var plot = new ScottPlot.Plot();
        plot.Font.Set(FontName);
        double Y(double v) => panel.LogScale ? Math.Log10(v) : v;
        var colour = 0;
        foreach (var series in panel.Series)
        {
            var keep = Enumerable.Range(0, series.Y.Length)
                .Where(k => double.IsFinite(series.Y[k]) && (!panel.LogScale || series.Y[k] > 0)).ToArray();
            var scatter = plot.Add.ScatterLine(keep.Select(k => series.X[k]).ToArray(), keep.Select(k => Y(series.Y[k])).ToArray(),
                s_colours[colour % s_colours.Length]);
            scatter.LinePattern = s_patterns[colour / s_colours.Length % s_patterns.Length];
            colour++;
            scatter.LegendText = series.Label;
            scatter.LineWidth = 1.5f;
        }
        foreach (var line in panel.Lines ?? [])
        {
            var h = plot.Add.HorizontalLine(Y(line.Y), width: 1.5f, color: s_colours[colour++ % s_colours.Length],
                pattern: LinePattern.Dashed);
            h.LegendText = line.Label;
        }
        if (panel.Series.All(series => series.X.All(x => !double.IsFinite(x) || x == Math.Floor(x))))
        {
            // Steps, rounds, iterations, measurements: no tick between two of them.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }
        if (panel.LogScale)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = y => $"1e{y:0}",
            };
        }
        // Fixed margins: the panels' x axes line up whatever their tick labels' widths.
        plot.Layout.Fixed(new PixelPadding(left: 90, right: legendOutside ? 200 : 20, bottom: xTitle is null ? 30 : 50, top: 10));
        plot.Axes.Left.Label.Text = panel.YTitle;
        plot.Axes.Bottom.Label.Text = xTitle ?? "";
        if (!legend)
        {
            plot.HideLegend();
        }
        else if (legendOutside)
        {
            plot.ShowLegend(Edge.Right);
            // One column of up to about twenty entries in a panel's height.
            plot.Legend.FontSize = 10;
        }
        else
        {
            plot.ShowLegend(Alignment.UpperRight);
        }
        return plot;
    }

    private static void EnsureFont()
    {
        if (!ScottPlot.Fonts.FontResolvers.OfType<EmbeddedFontResolver>().Any())
        {
            ScottPlot.Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver());
        }
    }

    private static SKTypeface LoadTypeface()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Dataflow.Host.Plot.LiberationSans-Regular.ttf")
            ?? throw new InvalidOperationException("the embedded plot font is missing from the build");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException("the embedded plot font cannot be read");
    }

    private sealed class EmbeddedFontResolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == FontName ? s_typeface.Value : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == FontName ? s_typeface.Value : null;
    }
}
