using System.Xml.Linq;
using Dataflow.Actors.Runtime;
using Dataflow.Host.Plot;
using Dataflow.Md;
using Dataflow.Nqs;
using SkiaSharp;
using Xunit;

namespace Dataflow.Tests.Host.Plot;

/// <summary>What the <c>--plot</c> charts show (on their descriptions) and the files ChartFile writes from them: PNG
/// and SVG of the stated size, with the title's text drawn in the embedded font.</summary>
public sealed class WorkloadChartsSpec
{
    private const double Reference = -107.6;

    [Fact]
    public void Nqs_draws_the_error_on_a_log_scale_against_chemical_accuracy_and_the_variance()
    {
        var result = NqsResultOf([Reference + 0.2, Reference + 0.01, Reference - 0.0005], [1.0, 0.1, 0.01], Reference);
        var chart = WorkloadCharts.Nqs(result);
        Assert.Equal("iteration", chart.XTitle);
        Assert.StartsWith("nqs N2:", chart.Title);
        Assert.Equal(2, chart.Panels.Count);
        var error = chart.Panels[0];
        Assert.True(error.LogScale);
        Assert.Equal([1.0, 2.0, 3.0], error.Series[0].X);
        Assert.Equal([0.2, 0.01, 0.0005], error.Series[0].Y.Select(y => Math.Round(y, 10)));
        Assert.Equal(1.6e-3, Assert.Single(error.Lines!).Y);
        Assert.Contains("chemical accuracy", error.Lines![0].Label);
        Assert.True(chart.Panels[1].LogScale);
        Assert.Equal([1.0, 0.1, 0.01], chart.Panels[1].Series[0].Y);

        var withoutReference = WorkloadCharts.Nqs(result with { Reference = null });
        Assert.False(withoutReference.Panels[0].LogScale);
        Assert.Null(withoutReference.Panels[0].Lines);
        Assert.Equal(result.History.Select(h => h.Energy), withoutReference.Panels[0].Series[0].Y);
    }

    [Fact]
    public void Train_draws_the_last_reported_loss_of_every_step()
    {
        var history = new ProgressHistory();
        history.Add(Progress(1, 2.0));
        history.Add(Progress(2, 1.5));
        history.Add(Progress(3, 9.9));
        // After a fail-over the job reports step 3 again: the later report replaces the earlier one.
        history.Add(Progress(3, 1.2));
        history.Add(new JobProgress("j", 4, 10, [], "no metrics"));
        var chart = WorkloadCharts.Train(new global::Dataflow.Train.TrainResult("train", "mlp", 3, 1.2, "", 4, 1, null!), history);
        var series = Assert.Single(Assert.Single(chart.Panels).Series);
        Assert.Equal([1.0, 2.0, 3.0], series.X);
        Assert.Equal([2.0, 1.5, 1.2], series.Y);
    }

    [Fact]
    public void Md_draws_thermo_and_the_imbalance_with_more_than_one_domain()
    {
        MdThermo[] thermo = [new(0, 1.44, -6.7, 2.2, -4.5, -5.0), new(50, 0.8, -5.9, 1.2, -4.7, 0.5)];
        MdImbalance[] imbalance = [new(10, 1.3), new(20, 1.1)];
        var result = new MdResult("md", "lj-500.data", "lj", "lj/cut 2.5", "none", "nve", 50, 500, "2x1x1", 1, 0.005, thermo,
            1e6, 1.1, imbalance, "ring", 0, 0, "", null!);
        var chart = WorkloadCharts.Md(result);
        Assert.Equal(["temperature (epsilon/k_B)", "energy (epsilon per atom)", "pressure (epsilon/sigma^3)",
            "imbalance (max / mean domain cost)"], chart.Panels.Select(p => p.YTitle));
        Assert.Equal("pressure (bar)", WorkloadCharts.Md(result with { Units = "metal" }).Panels[2].YTitle);
        Assert.Equal(["PotEng", "KinEng", "TotEng"], chart.Panels[1].Series.Select(s => s.Label));
        Assert.Equal([0.0, 50.0], chart.Panels[0].Series[0].X);
        Assert.Equal([-4.5, -4.7], chart.Panels[1].Series[2].Y);
        Assert.Equal([1.3, 1.1], chart.Panels[3].Series[0].Y);
        Assert.Equal(3, WorkloadCharts.Md(result with { Domains = "1x1x1" }).Panels.Count);
    }

    [Fact]
    public void Png_and_svg_have_the_stated_size_the_title_and_every_panel_drawn()
    {
        var chart = WorkloadCharts.Nqs(NqsResultOf(
            Enumerable.Range(0, 40).Select(i => Reference + Math.Exp(-i / 4.0)).ToArray(),
            Enumerable.Range(0, 40).Select(i => Math.Exp(-i / 8.0)).ToArray(), Reference));
        var dir = Directory.CreateTempSubdirectory("dataflow-chart-");
        try
        {
            var png = Path.Combine(dir.FullName, "n2.png");
            ChartFile.Write(chart, png);
            using var bitmap = SKBitmap.Decode(png);
            var (width, height) = ChartFile.Size(chart);
            Assert.Equal((900, 700), (width, height));
            Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
            // Dark pixels in the title band (its text: the embedded font was found and drawn with) and in each panel's
            // band (axes, ticks, labels: no panel's drawing erased another's).
            Assert.True(DarkPixels(bitmap, 0, ChartFile.TitleHeight) > 200, "title band");
            for (var p = 0; p < chart.Panels.Count; p++)
            {
                var top = ChartFile.TitleHeight + p * ChartFile.PanelHeight;
                Assert.True(DarkPixels(bitmap, top, top + ChartFile.PanelHeight) > 2000, $"panel {p}");
            }
            // Without a title, the band is blank.
            var untitled = Path.Combine(dir.FullName, "untitled.png");
            ChartFile.Write(chart with { Title = "" }, untitled);
            using (var blank = SKBitmap.Decode(untitled))
            {
                Assert.Equal(0, DarkPixels(blank, 0, ChartFile.TitleHeight));
            }

            var svg = Path.Combine(dir.FullName, "n2.svg");
            ChartFile.Write(chart, svg);
            var root = XDocument.Load(svg).Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.Equal("900", root.Attribute("width")!.Value);
            Assert.Equal("700", root.Attribute("height")!.Value);
            Assert.Contains("chemical accuracy", root.Value);
            Assert.Contains("variance", root.Value);
            Assert.Contains("N2", root.Value);
            Assert.Empty(dir.GetFiles("*.tmp"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Many_curves_get_one_legend_beside_the_first_panel()
    {
        // fci's picture: two panels of sixteen Davidson runs each.
        var runs = Enumerable.Range(1, 16).Select(r => new ChartSeries($"run {r}", [1, 2, 3], [r, r - 0.5, r - 0.6])).ToArray();
        var chart = new Chart("sixteen runs", "iteration", [new ChartPanel("E", runs), new ChartPanel("residual", runs)]);
        var dir = Directory.CreateTempSubdirectory("dataflow-chart-");
        try
        {
            var png = Path.Combine(dir.FullName, "runs.png");
            ChartFile.Write(chart, png);
            using var bitmap = SKBitmap.Decode(png);
            // The legend's entries are dark pixels right of the data in the first panel only.
            int RightOfData(int panel)
            {
                var dark = 0;
                var top = ChartFile.TitleHeight + panel * ChartFile.PanelHeight;
                for (var y = top; y < top + ChartFile.PanelHeight; y++)
                {
                    for (var x = bitmap.Width - 180; x < bitmap.Width; x++)
                    {
                        var c = bitmap.GetPixel(x, y);
                        dark += c.Red < 100 && c.Green < 100 && c.Blue < 100 ? 1 : 0;
                    }
                }
                return dark;
            }
            Assert.True(RightOfData(0) > 500, $"legend beside panel 0: {RightOfData(0)} dark pixels");
            Assert.True(RightOfData(1) < 50, $"nothing beside panel 1: {RightOfData(1)} dark pixels");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int DarkPixels(SKBitmap bitmap, int fromRow, int toRow)
    {
        var dark = 0;
        for (var y = fromRow; y < toRow; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                dark += c.Red < 100 && c.Green < 100 && c.Blue < 100 ? 1 : 0;
            }
        }
        return dark;
    }

    [Fact]
    public void Only_png_and_svg_are_accepted()
    {
        Assert.Null(ChartFile.CheckExtension("a/b.PNG"));
        Assert.Null(ChartFile.CheckExtension("b.svg"));
        Assert.Equal("'b.jpg': a plot is written as .png or .svg (by the file's extension)", ChartFile.CheckExtension("b.jpg"));
    }

    private static JobProgress Progress(long step, double loss) => new("j", step, 10, new() { ["loss"] = loss }, "");

    private static NqsResult NqsResultOf(double[] energies, double[] variances, double? reference) => new(
        "nqs", "N2.fcidump", energies[^1], 1e-5, variances[^1], energies.Length, 10, 0, reference,
        reference is { } r ? energies[^1] - r : null,
        energies.Select((e, i) => new NqsIteration(i, e, variances[i], 1, 10, 0, 0, 0)).ToArray(), null!);
}
