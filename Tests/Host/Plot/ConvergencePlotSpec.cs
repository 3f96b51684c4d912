using Dataflow.Host.Plot;
using Xunit;

namespace Dataflow.Tests.Host.Plot;

/// <summary>The convergence plot's axes, checked on the layout the PNG is drawn from: a log-scale error axis with
/// decade ticks, the chemical-accuracy line where 1.6 mHa falls on it, 1-based iteration ticks, labelled axes.</summary>
public sealed class ConvergencePlotSpec
{
    private const double Reference = -75.0;

    [Fact]
    public void With_a_reference_the_error_is_on_a_log_axis_with_decades_and_the_chemical_accuracy_line()
    {
        // Errors from 0.3 Ha down to 2e-5 Ha over 101 iterations.
        var energies = Enumerable.Range(0, 101).Select(i => Reference + 0.3 * Math.Pow(10, -4.2 * i / 100.0)).ToArray();
        var layout = ConvergencePlot.Layout(energies, Reference);

        Assert.True(layout.LogScale);
        Assert.Equal("iteration", layout.XTitle);
        Assert.Equal("error |E - E_ref| (Ha), log scale", layout.YTitle);
        // Every decade from 1e-5 (below the smallest error) to 1e0 (above the largest), larger values higher up.
        Assert.Equal(["1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1e0"], layout.YTicks.Select(t => t.Label));
        Assert.All(layout.YTicks, t => Assert.Equal(double.Parse(t.Label, System.Globalization.CultureInfo.InvariantCulture), t.Value, t.Value * 1e-12));
        var (left, top, right, bottom) = layout.PlotArea;
        Assert.Equal(bottom, layout.YTicks[0].Pixel, 1e-9);
        Assert.Equal(top, layout.YTicks[^1].Pixel, 1e-9);
        var decade = (bottom - top) / 5.0;
        for (var k = 1; k < layout.YTicks.Count; k++)
        {
            Assert.Equal(decade, layout.YTicks[k - 1].Pixel - layout.YTicks[k].Pixel, 1e-9);
        }
        // 1.6 mHa sits log10(1.6) = 0.204 of a decade above the 1e-3 tick.
        Assert.Equal(layout.YTicks[2].Pixel - Math.Log10(1.6) * decade, layout.AccuracyLine!.Value, 1e-9);
        // The curve: one point per iteration from the left to the right edge, at its error's height.
        Assert.Equal(energies.Length, layout.Curve.Count);
        Assert.Equal(left, layout.Curve[0].X, 1e-9);
        Assert.Equal(right, layout.Curve[^1].X, 1e-9);
        for (var i = 0; i < energies.Length; i += 25)
        {
            var expected = top + (0 - Math.Log10(energies[i] - Reference)) * decade;
            Assert.Equal(expected, layout.Curve[i].Y, 1e-6);
        }
        // Iteration ticks: 1-based, first and last iteration at the frame's ends.
        Assert.Equal(["1", "26", "51", "76", "101"], layout.XTicks.Select(t => t.Label));
        Assert.Equal(left, layout.XTicks[0].Pixel, 1e-9);
        Assert.Equal(right, layout.XTicks[^1].Pixel, 1e-9);
    }

    [Fact]
    public void Without_a_reference_the_energy_is_on_a_linear_axis_with_five_ticks_and_no_accuracy_line()
    {
        var energies = new[] { -74.0, -74.5, -74.9, -75.0 };
        var layout = ConvergencePlot.Layout(energies, null);
        Assert.False(layout.LogScale);
        Assert.Null(layout.AccuracyLine);
        Assert.Equal("energy E (Ha)", layout.YTitle);
        Assert.Equal(["-74.000", "-74.250", "-74.500", "-74.750", "-75.000"], layout.YTicks.Select(t => t.Label));
        var (_, top, _, bottom) = layout.PlotArea;
        Assert.Equal(top, layout.Curve[0].Y, 1e-9);
        Assert.Equal(bottom, layout.Curve[^1].Y, 1e-9);
        Assert.Equal(["1", "2", "3", "3", "4"], layout.XTicks.Select(t => t.Label));
    }

    [Fact]
    public void The_png_is_the_rendered_layout()
    {
        var energies = Enumerable.Range(0, 30).Select(i => Reference + Math.Exp(-i / 3.0)).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"dataflow-plot-{Guid.NewGuid():N}.png");
        try
        {
            ConvergencePlot.Write(path, energies, Reference);
            var layout = ConvergencePlot.Layout(energies, Reference);
            var expected = ConvergencePlot.Encode(ConvergencePlot.Render(layout), layout.Width, layout.Height);
            Assert.Equal(expected, File.ReadAllBytes(path));
            Assert.Equal([137, 80, 78, 71, 13, 10, 26, 10], expected[..8]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
