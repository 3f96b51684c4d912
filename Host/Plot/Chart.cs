namespace Dataflow.Host.Plot;

/// <summary>What a workload's plot shows, independent of how it is drawn: a title and one or more panels stacked
/// vertically over a shared x axis.</summary>
/// <param name="Title">The figure's title (any text: molecule names, units).</param>
/// <param name="XTitle">The shared x axis' title, under the last panel.</param>
/// <param name="Panels">The panels, top to bottom.</param>
internal sealed record Chart(string Title, string XTitle, IReadOnlyList<ChartPanel> Panels);

/// <summary>One panel of a <see cref="Chart"/>.</summary>
/// <param name="YTitle">The y axis' title, with its unit.</param>
/// <param name="Series">The curves, each in the legend.</param>
/// <param name="LogScale">Whether y is on a log10 scale (ticks at decades); non-positive values are left out.</param>
/// <param name="Lines">Horizontal reference lines (e.g. chemical accuracy), each in the legend.</param>
internal sealed record ChartPanel(string YTitle, IReadOnlyList<ChartSeries> Series, bool LogScale = false,
    IReadOnlyList<ChartLine>? Lines = null);

/// <summary>A curve: <paramref name="X"/> and <paramref name="Y"/> of equal length.</summary>
internal sealed record ChartSeries(string Label, double[] X, double[] Y);

/// <summary>A horizontal line at <paramref name="Y"/>.</summary>
internal sealed record ChartLine(string Label, double Y);
