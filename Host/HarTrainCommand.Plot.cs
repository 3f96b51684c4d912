using Dataflow.Har;

namespace Dataflow.Host;

/// <summary><c>run har-train --plot</c>.</summary>
internal sealed partial class HarTrainCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.HarTrain(result.As<HarTrainResult>(), progress);
}
