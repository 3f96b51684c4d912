using Dataflow.Fci;

namespace Dataflow.Host;

/// <summary><c>run fci --plot</c>.</summary>
internal sealed partial class FciCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Fci(result.As<FciResult>(), progress);
}
