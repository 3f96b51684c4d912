using Dataflow.Actors.Har;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Har;
using Dataflow.Kernels.Input;

namespace Dataflow.Har;

/// <summary>Builds a <c>har</c> stream: <c>Job.Har().CameraSim(fps: 30).Features("imfe").Frames(300).Build()</c>.</summary>
/// <remarks>Defaults: the synthetic source, IMFE features, 256 x 344 frames, 300 frames, seed 1, the bundled model,
/// 2 credits per stage.</remarks>
public sealed class HarJobBuilder
{
    private HarJobSpec _spec = new("synthetic", "imfe", 0, 256, 344, 300, 1, [], "", [], "");
    private string? _videoPath;

    /// <summary>The bundled model (trained by <c>dataflow run har-train</c> with its defaults).</summary>
    public static string BundledModelPath => Path.Combine(AppContext.BaseDirectory, "Har", "Data", "har-model.bin");

    /// <summary>Synthetic frames rendered as fast as the pipeline takes them.</summary>
    public HarJobBuilder Synthetic() { _spec = _spec with { Source = "synthetic", Fps = 0 }; return this; }

    /// <summary>The synthetic video paced like a live camera at <paramref name="fps"/>.</summary>
    public HarJobBuilder CameraSim(double fps = 30) { _spec = _spec with { Source = "camera-sim", Fps = fps }; return this; }

    /// <summary>A video file, paced at <paramref name="fps"/> (0: the file's own rate).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public HarJobBuilder Video(string path, double fps = 0)
    {
        _videoPath = path;
        _spec = _spec with { Source = "video", Fps = fps, Frames = 0 };
        return this;
    }

    /// <summary><c>flow</c> or <c>imfe</c>.</summary>
    public HarJobBuilder Features(string kind) { _spec = _spec with { Features = kind }; return this; }

    /// <summary>The pace of a camera or video source.</summary>
    public HarJobBuilder Fps(double fps) { _spec = _spec with { Fps = fps }; return this; }

    /// <summary>Frame size the source delivers.</summary>
    public HarJobBuilder Resolution(int height, int width) { _spec = _spec with { Height = height, Width = width }; return this; }

    /// <summary>Frames to stream (0 with a video: all of it).</summary>
    public HarJobBuilder Frames(long frames) { _spec = _spec with { Frames = frames }; return this; }

    /// <summary>Seed of the synthetic video.</summary>
    public HarJobBuilder Seed(long seed) { _spec = _spec with { Seed = seed }; return this; }

    /// <summary>A model file written by <c>har-train</c>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a har model file.</exception>
    public HarJobBuilder Model(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such model file", path);
        }
        var bytes = File.ReadAllBytes(path);
        HarModel.FromBytes(bytes, path).Dispose();
        _spec = _spec with { Model = bytes, ModelName = path };
        return this;
    }

    /// <summary>Bounded queues: frames each stage may have outstanding downstream.</summary>
    public HarJobBuilder Credits(int credits) { _spec = _spec with { Credits = credits }; return this; }

    /// <summary>A slow sink: milliseconds it spends per frame.</summary>
    public HarJobBuilder SinkDelay(double milliseconds) { _spec = _spec with { SinkDelayMs = milliseconds }; return this; }

    /// <summary>Fault injection: the features stage throws once at this frame.</summary>
    public HarJobBuilder CrashFeaturesAt(long frame) { _spec = _spec with { CrashFeaturesAt = frame }; return this; }

    /// <summary>Kernel threads per stage.</summary>
    public HarJobBuilder Threads(int threads) { _spec = _spec with { Threads = threads }; return this; }

    /// <summary>Validates and returns the job; a video file is decoded once here, so a truncated or corrupt one is an
    /// <see cref="InvalidDataException"/> naming it before anything runs.</summary>
    public HarJob Build()
    {
        var spec = _spec;
        if (spec.Model.Length == 0)
        {
            if (!File.Exists(BundledModelPath))
            {
                throw new FileNotFoundException($"no model given and none bundled at {BundledModelPath}", BundledModelPath);
            }
            spec = spec with { Model = File.ReadAllBytes(BundledModelPath), ModelName = "bundled har-model.bin" };
        }
        if (_videoPath is { } path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: no such video file", path);
            }
            var (frames, fileFps) = VideoFrames.Probe(path);
            var fps = spec.Fps > 0 ? spec.Fps : fileFps > 0 ? fileFps : 30;
            spec = spec with
            {
                Video = ReadBounded(path),
                VideoName = Path.GetFileName(path),
                Fps = fps,
                Frames = spec.Frames > 0 ? Math.Min(spec.Frames, frames) : frames,
            };
        }
        spec.Validate();
        return new HarJob(spec);
    }

    private static byte[] ReadBounded(string path)
    {
        using var stream = BoundedInput.Open(path, InputLimits.Current, decompress: false);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>A validated <c>har</c> job.</summary>
public sealed record HarJob(HarJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => HarWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
