using Dataflow.Sft;

namespace Dataflow.Host;

/// <summary><c>run sft --plot</c>.</summary>
internal sealed partial class SftCommand
{
    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Sft(result.As<SftResult>(), progress);
}
