using Dataflow.Actors.Har;
using Dataflow.Actors.Runtime;

// Results are what a DSL user reads: they live in the DSL's namespace, beside the driver that writes them.
namespace Dataflow.Har;

/// <summary>The result of a <c>har</c> stream, as written by <c>--json</c>.</summary>
/// <param name="Frames">Frames that came out of the pipeline (recognised or still filling the window).</param>
/// <param name="Recognised">Frames with a recognised action.</param>
/// <param name="Fps">Frames out of the pipeline per second, first to last.</param>
/// <param name="LatencyP50Ms">Median end-to-end latency, capture to sink, in milliseconds.</param>
/// <param name="LatencyP95Ms">95th percentile of the end-to-end latency.</param>
/// <param name="LatencyP99Ms">99th percentile of the end-to-end latency.</param>
/// <param name="DroppedFrames">Frames the stages dropped to keep latency bounded.</param>
/// <param name="LostFrames">Frames captured that neither came out nor were dropped (lost in a crashed stage).</param>
/// <param name="Accuracy">Fraction of recognised frames whose action is their label; null for unlabelled input.</param>
/// <param name="StageRestarts">Times a supervisor restarted a stage.</param>
/// <param name="Stages">Each role's telemetry at the end.</param>
/// <param name="Inputs">The job as run: every option, defaults included.</param>
/// <param name="ResumeSeconds">The longest time the stream stood still across a re-placement (a node lost or a stalled
/// placement restarted): from the last frame out before it to the first frame out after it; 0 when never re-placed.</param>
public sealed record HarResult(
    string Workload,
    string Source,
    string Features,
    long Frames,
    long Recognised,
    double Fps,
    double LatencyP50Ms,
    double LatencyP95Ms,
    double LatencyP99Ms,
    long DroppedFrames,
    long LostFrames,
    double? Accuracy,
    int StageRestarts,
    int PlacementChanges,
    HarStageResult[] Stages,
    HarInputs Inputs,
    double ResumeSeconds = 0) : WorkloadResult;

/// <summary>One role's telemetry in a <see cref="HarResult"/>.</summary>
public sealed record HarStageResult(
    string Role, string Node, long Items, double LatencyP50Ms, double LatencyP95Ms, double LatencyP99Ms, double Fps,
    int MaxQueueLength, long Dropped, int Restarts);

/// <summary>The options of a <c>har</c> job (its spec without the model's and video's bytes).</summary>
public sealed record HarInputs(
    string Source, string Features, double Fps, int Height, int Width, long Frames, long Seed, string Model, string Video,
    int Credits, double SinkDelayMs, long CrashFeaturesAt, int Threads)
{
    /// <summary>The inputs of <paramref name="job"/>.</summary>
    public static HarInputs Of(HarJobSpec job) => new(job.Source, job.Features, job.Fps, job.Height, job.Width, job.Frames, job.Seed,
        job.ModelName, job.VideoName, job.Credits, job.SinkDelayMs, job.CrashFeaturesAt, job.Threads);
}

/// <summary>The result of a <c>har-train</c> job, as written by <c>--json</c>.</summary>
/// <param name="FlowAccuracy">Held-out accuracy of the recogniser on optical-flow features.</param>
/// <param name="ImfeAccuracy">Held-out accuracy of the same recogniser on IMFE's features.</param>
/// <param name="FeatureCorrelation">Pearson correlation of IMFE's feature values with the flow's, held out.</param>
/// <param name="ModelBytes">Size of the model file.</param>
public sealed record HarTrainResult(
    string Workload,
    string[] Classes,
    double RecogniserLossFirst,
    double RecogniserLossLast,
    double DistillLossFirst,
    double DistillLossLast,
    double HeldOutDistillLoss,
    double FeatureCorrelation,
    double FlowAccuracy,
    double ImfeAccuracy,
    long ModelBytes,
    HarTrainInputs Inputs) : WorkloadResult;

/// <summary>The options of a <c>har-train</c> job.</summary>
public sealed record HarTrainInputs(int TrainClips, int TestClips, int RecogniserSteps, int ImfeSteps, int Batch, double LearningRate,
    long Seed, int Threads)
{
    /// <summary>The inputs of <paramref name="job"/>.</summary>
    public static HarTrainInputs Of(HarTrainJobSpec job) => new(job.TrainClips, job.TestClips, job.RecogniserSteps, job.ImfeSteps,
        job.Batch, job.LearningRate, job.Seed, job.Threads);
}
