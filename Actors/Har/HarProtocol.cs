using Akka.Actor;
using Dataflow.Actors.Runtime;
using MessagePack;

namespace Dataflow.Actors.Har;

/// <summary>The <c>har</c> job's spec: where frames come from, which motion features, the trained model, and the
/// stream's pace and size.</summary>
/// <param name="Source"><c>synthetic</c> (frames rendered as fast as the pipeline pulls them), <c>camera-sim</c> (the
/// synthetic video paced at <paramref name="Fps"/> like a live camera, frames dropped when the pipeline is behind) or
/// <c>video</c> (the file in <paramref name="Video"/>, paced at <paramref name="Fps"/>).</param>
/// <param name="Features"><c>flow</c> (Farneback optical flow) or <c>imfe</c> (the distilled network).</param>
/// <param name="Fps">Frames per second of a paced source; 0 for <c>synthetic</c>.</param>
/// <param name="Height">Frame rows the source delivers.</param>
/// <param name="Width">Frame columns the source delivers.</param>
/// <param name="Frames">Frames to stream (0: the whole video).</param>
/// <param name="Seed">Seed of the synthetic video.</param>
/// <param name="Model">The <c>HarModel</c> file's bytes.</param>
/// <param name="ModelName">Where the model came from (for messages).</param>
/// <param name="Video">The video file's bytes, or empty.</param>
/// <param name="VideoName">The video file's name (for messages).</param>
/// <param name="Credits">Frames each stage may have outstanding at the next one (its bounded queue).</param>
/// <param name="SinkDelayMs">Extra time the sink takes per frame (a slow consumer, for back-pressure tests).</param>
/// <param name="CrashFeaturesAt">Frame index at which the features stage throws once (fault injection; -1: never).</param>
/// <param name="Threads">Threads of the feature and recogniser kernels on each node.</param>
[MessagePackObject]
public sealed record HarJobSpec(
    [property: Key(0)] string Source,
    [property: Key(1)] string Features,
    [property: Key(2)] double Fps,
    [property: Key(3)] int Height,
    [property: Key(4)] int Width,
    [property: Key(5)] long Frames,
    [property: Key(6)] long Seed,
    [property: Key(7)] byte[] Model,
    [property: Key(8)] string ModelName,
    [property: Key(9)] byte[] Video,
    [property: Key(10)] string VideoName,
    [property: Key(11)] int Credits = 2,
    [property: Key(12)] double SinkDelayMs = 0,
    [property: Key(13)] long CrashFeaturesAt = -1,
    [property: Key(14)] int Threads = 1)
{
    /// <summary>The sources.</summary>
    public static readonly string[] Sources = ["synthetic", "camera-sim", "video"];

    /// <summary>The feature kinds.</summary>
    public static readonly string[] FeatureKinds = ["flow", "imfe"];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (!Sources.Contains(Source))
        {
            throw new ArgumentException($"source must be one of {string.Join(", ", Sources)}, not '{Source}'", nameof(Source));
        }
        if (!FeatureKinds.Contains(Features))
        {
            throw new ArgumentException($"features must be flow or imfe, not '{Features}'", nameof(Features));
        }
        if (Source != "synthetic" && !(Fps > 0 && Fps <= 1000))
        {
            throw new ArgumentException($"fps must be in (0, 1000] for a paced source, not {Fps}", nameof(Fps));
        }
        if (Height < 48 || Width < 64 || Height > 4096 || Width > 4096)
        {
            throw new ArgumentException($"resolution must be from 48x64 to 4096x4096, not {Height}x{Width}", nameof(Height));
        }
        if (Frames < 0 || (Source != "video" && Frames < 2))
        {
            throw new ArgumentException($"frames must be at least 2, not {Frames}", nameof(Frames));
        }
        if (Model.Length == 0)
        {
            throw new ArgumentException("the job carries no model", nameof(Model));
        }
        if (Source == "video" && Video.Length == 0)
        {
            throw new ArgumentException("a video source needs the video file", nameof(Video));
        }
        if (Credits < 1 || Credits > 64 || SinkDelayMs < 0 || Threads < 1)
        {
            throw new ArgumentException("credits must be 1 to 64, sinkDelayMs >= 0 and threads >= 1", nameof(Credits));
        }
    }
}

/// <summary>The pipeline's roles, in stream order.</summary>
public static class HarRoles
{
    /// <summary>Produces frames.</summary>
    public const string Source = "source";

    /// <summary>Turns frames into motion feature maps.</summary>
    public const string Features = "features";

    /// <summary>Classifies windows of feature maps.</summary>
    public const string Recogniser = "recogniser";

    /// <summary>Consumes recognitions and reports them to the driver.</summary>
    public const string Sink = "sink";

    /// <summary>All roles, upstream first.</summary>
    public static readonly string[] All = [Source, Features, Recogniser, Sink];
}

/// <summary>Driver to every node's stage: the roles this node runs in placement <see cref="Generation"/>, where every
/// role runs (node agent paths by role), and the frame index the source starts at.</summary>
[MessagePackObject]
public sealed record HarAssign(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string[] Roles,
    [property: Key(3)] Dictionary<string, string> RoleAgents,
    [property: Key(4)] long StartFrame,
    [property: Key(5)] IActorRef Driver) : IStageMessage;

/// <summary>Source to the features stage: one 8-bit grey frame, its capture time (UTC ticks), its label (-1: none).</summary>
[MessagePackObject]
public sealed record HarFrame(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Index,
    [property: Key(3)] long CaptureTicks,
    [property: Key(4)] int Label,
    [property: Key(5)] int Height,
    [property: Key(6)] int Width,
    [property: Key(7)] byte[] Pixels,
    [property: Key(8)] long SentTicks) : IStageMessage;

/// <summary>Features stage to the recogniser: the motion feature map from the previous frame to this one (empty for the
/// first frame of a stream or after a gap).</summary>
[MessagePackObject]
public sealed record HarFeatureMap(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Index,
    [property: Key(3)] long CaptureTicks,
    [property: Key(4)] int Label,
    [property: Key(5)] float[] Map,
    [property: Key(6)] long SentTicks) : IStageMessage;

/// <summary>Recogniser to the sink: the action recognised at this frame (-1 while the window fills).</summary>
[MessagePackObject]
public sealed record HarRecognition(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Index,
    [property: Key(3)] long CaptureTicks,
    [property: Key(4)] int Label,
    [property: Key(5)] int Predicted,
    [property: Key(6)] float Confidence,
    [property: Key(7)] long SentTicks) : IStageMessage;

/// <summary>A stage to the stage upstream of it (<see cref="Producer"/>): it may send <see cref="Credits"/> more items;
/// with <see cref="Reset"/>, exactly that many are outstanding now (a restarted consumer's fresh window).</summary>
[MessagePackObject]
public sealed record HarDemand(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Producer,
    [property: Key(3)] int Credits,
    [property: Key(4)] bool Reset) : IStageMessage;

/// <summary>Sink to driver: a frame came out of the pipeline, with its end-to-end latency (capture to sink).</summary>
[MessagePackObject]
public sealed record HarDelivered(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Index,
    [property: Key(2)] int Label,
    [property: Key(3)] int Predicted,
    [property: Key(4)] float Confidence,
    [property: Key(5)] double LatencyMs) : IDataflowMessage;

/// <summary>A stage to the driver, every second: its telemetry since it started.</summary>
/// <param name="LatencyP50Ms">Median time from the upstream stage's send to this stage's output.</param>
/// <param name="QueueLength">Items received and not yet passed on, plus its mailbox, now.</param>
/// <param name="Dropped">Items it dropped to keep latency bounded.</param>
/// <param name="Restarts">Times its supervisor restarted it.</param>
[MessagePackObject]
public sealed record HarStageReport(
    [property: Key(0)] int Generation,
    [property: Key(1)] string Role,
    [property: Key(2)] string Node,
    [property: Key(3)] long Items,
    [property: Key(4)] double LatencyP50Ms,
    [property: Key(5)] double LatencyP95Ms,
    [property: Key(6)] double LatencyP99Ms,
    [property: Key(7)] double Fps,
    [property: Key(8)] int QueueLength,
    [property: Key(9)] int MaxQueueLength,
    [property: Key(10)] long Dropped,
    [property: Key(11)] int Restarts) : IDataflowMessage;

/// <summary>Source to driver: the stream ended after <see cref="Captured"/> frames (the next index to capture), of which
/// the source dropped <see cref="Dropped"/>.</summary>
[MessagePackObject]
public sealed record HarSourceEnded(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Captured,
    [property: Key(2)] long Dropped,
    [property: Key(3)] string Error) : IDataflowMessage;
