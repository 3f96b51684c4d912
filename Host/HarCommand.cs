using System.Globalization;
using Dataflow.Actors.Runtime;
using Dataflow.Har;

namespace Dataflow.Host;

/// <summary><c>dataflow run har</c>: real-time action recognition on a streaming pipeline of actors (RT-HARE).</summary>
internal sealed partial class HarCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run har [--video FILE | --camera-sim | --synthetic] [--features flow|imfe] [--fps 30]
                                [--resolution 256x344] [--frames N] [--seed K] [--model FILE] [--credits C]
                                [--threads T] [--plot FILE.png|svg] [--cluster HOST:PORT] [--json FILE] [--quiet]

        Streams frames through source -> motion features -> recogniser -> sink actors (on different nodes of a
        cluster when there are several), printing the recognised action and its latency as frames come out.
        Stages pull frames by credit (bounded queues); a paced source drops frames the pipeline cannot take, so
        latency stays bounded when the source is faster; a stage that crashes is restarted and the stream goes on.

          --video FILE         a video file (decoded by OpenCV), paced at --fps or at the file's own rate
          --camera-sim         the synthetic action video paced like a live camera at --fps
          --synthetic          the synthetic action video as fast as the pipeline takes it (default)
          --features KIND      imfe (the distilled network, default) or flow (Farneback optical flow)
          --fps F              frames per second of a paced source (default 30)
          --resolution HxW     frame size the source delivers (default 256x344)
          --frames N           frames to stream (default 300; a video: all of it)
          --seed K             seed of the synthetic video (default 1)
          --model FILE         a model written by 'dataflow run har-train' (default: the bundled one)
          --credits C          frames a stage may have outstanding at the next one (default 2)
          --threads T          kernel threads per stage (default 1)
          --sink-delay-ms D    a slow sink: D ms per frame (back-pressure demonstrations)
          --cluster H:P        run on a running cluster instead of an embedded one
          --plot FILE          PNG or SVG of the frames' end-to-end latency (with the p99) and the frame rate
          --json FILE          write the result as JSON (frames, fps, latencyP50Ms/P95Ms/P99Ms, droppedFrames,
                               features, accuracy, per-stage telemetry)

        examples: dataflow run har --camera-sim --fps 30 --features imfe --frames 600
                  dataflow run har --video walk.mp4 --features flow --json har.json
        """;

    /// <inheritdoc />
    public override string Verb => "har";

    /// <inheritdoc />
    public override string Summary => "real-time action recognition on a streaming actor pipeline (RT-HARE)";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["video", "features", "fps", "resolution", "frames", "seed", "model", "credits", "threads", "sink-delay-ms", "crash-features-at"];

    /// <inheritdoc />
    public override IReadOnlyList<string> FlagOptions => ["camera-sim", "synthetic"];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        var sources = (o.String("video") is not null ? 1 : 0) + (o.Flag("camera-sim") ? 1 : 0) + (o.Flag("synthetic") ? 1 : 0);
        if (sources > 1)
        {
            throw new UsageException("give one of --video, --camera-sim and --synthetic", UsageText);
        }
        var (height, width) = Resolution(o.String("resolution") ?? "256x344");
        var builder = Job.Har()
            .Features(o.String("features") ?? "imfe")
            .Resolution(height, width)
            .Frames(o.Long("frames", 300))
            .Seed(o.Long("seed", 1))
            .Credits(o.Int("credits", 2))
            .Threads(o.Int("threads", 1))
            .SinkDelay(o.Double("sink-delay-ms", 0))
            .CrashFeaturesAt(o.Long("crash-features-at", -1));
        try
        {
            if (o.String("video") is { } video)
            {
                builder.Video(video, o.Double("fps", 0));
                if (o.String("frames") is null)
                {
                    builder.Frames(0);
                }
            }
            else if (o.Flag("camera-sim"))
            {
                builder.CameraSim(o.Double("fps", 30));
            }
            else
            {
                builder.Synthetic();
            }
            if (o.String("model") is { } model)
            {
                builder.Model(model);
            }
            return builder.Build();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException or InvalidOperationException)
        {
            throw new UsageException($"invalid har job: {e.Message}");
        }
    }

    /// <inheritdoc />
    public override string ProgressLine(JobProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Note}  latency {p.Metrics.GetValueOrDefault("latencyMs"):F0} ms  {p.Metrics.GetValueOrDefault("fps"):F1} fps  p99 {p.Metrics.GetValueOrDefault("latencyP99Ms"):F0} ms  dropped {p.Metrics.GetValueOrDefault("droppedFrames"):0}");

    /// <inheritdoc />
    public override void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output)
    {
        var r = result.As<HarResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          har ({r.Source}, {r.Features} features, {r.Inputs.Height}x{r.Inputs.Width})
            frames            {r.Frames} out, {r.Recognised} recognised, {r.DroppedFrames} dropped, {r.LostFrames} lost
            fps               {r.Fps:F1}
            latency ms        p50 {r.LatencyP50Ms:F1}  p95 {r.LatencyP95Ms:F1}  p99 {r.LatencyP99Ms:F1}
            accuracy          {(r.Accuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) : "n/a (unlabelled input)")}
            stage restarts    {r.StageRestarts}
            seconds           {r.Seconds:F2}
            """));
        output.WriteLine("stage        node                     items   fps     p50 ms  p95 ms  p99 ms  max queue  dropped  restarts");
        foreach (var s in r.Stages.OrderBy(s => Array.IndexOf(["source", "features", "recogniser", "sink"], s.Role)))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Role,-12} {s.Node,-22} {s.Items,7} {s.Fps,6:F1} {s.LatencyP50Ms,8:F1} {s.LatencyP95Ms,7:F1} {s.LatencyP99Ms,7:F1} {s.MaxQueueLength,10} {s.Dropped,8} {s.Restarts,9}"));
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("harflow", "Farneback flow kernel vs OpenCV's calcOpticalFlowFarneback at 256x344: time ratio and EPE",
            (w, o) => Bench.HarBench.Flow(w)),
        new("harstream", "har pipeline fps and per-stage latency at 256x344 (IMFE, flow) and under a 2x overload",
            (w, o) => Bench.HarBench.Stream(w, o.Int("frames", 300))),
    ];

    private static (int Height, int Width) Resolution(string text)
    {
        var parts = text.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var h) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var w))
        {
            return (h, w);
        }
        throw new UsageException($"--resolution: expected HxW such as 256x344, not '{text}'", UsageText);
    }
}
