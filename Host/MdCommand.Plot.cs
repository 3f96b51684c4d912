using Dataflow.Md;

namespace Dataflow.Host;

/// <summary><c>run md --plot</c>.</summary>
internal sealed partial class MdCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Md(result.As<MdResult>());
}
