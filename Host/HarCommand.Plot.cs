using Dataflow.Har;

namespace Dataflow.Host;

/// <summary><c>run har --plot</c>.</summary>
internal sealed partial class HarCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Har(result.As<HarResult>(), progress);
}
