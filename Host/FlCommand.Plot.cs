using Dataflow.Fl;

namespace Dataflow.Host;

/// <summary><c>run fl --plot</c>.</summary>
internal sealed partial class FlCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Fl(result.As<FlResult>());
}
