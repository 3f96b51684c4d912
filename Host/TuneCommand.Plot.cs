using Dataflow.Tune;

namespace Dataflow.Host;

/// <summary><c>run tune --plot</c>.</summary>
internal sealed partial class TuneCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Tune(result.As<TuneResult>());
}
