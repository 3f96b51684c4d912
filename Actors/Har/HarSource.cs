using Akka.Actor;
using Dataflow.Kernels.Har;

namespace Dataflow.Actors.Har;

/// <summary>The pipeline's source: renders the synthetic video or decodes the video file, and sends frames downstream
/// against credit. A paced source (camera-sim, video) captures a frame every 1/fps seconds whether or not the pipeline
/// is ready, and drops it when no credit is left: the frame-dropping policy that bounds latency under overload.</summary>
internal sealed class HarSource : HarRoleActor
{
    private readonly SyntheticActionVideo? _synthetic;
    private readonly VideoFrames? _video;
    private readonly string? _videoPath;
    private readonly float[] _pixels;
    private readonly bool _paced;
    private long _next;
    private bool _ended;

    public HarSource(HarRoleContext context) : base(context)
    {
        var job = context.Job;
        _pixels = new float[job.Height * job.Width];
        _next = context.Assign.StartFrame;
        _paced = job.Source != "synthetic";
        if (job.Source == "video")
        {
            // The file travelled with the job: written under the temporary folder of this node, decoded from there.
            _videoPath = Path.Combine(Path.GetTempPath(), $"dataflow-har-{Guid.NewGuid():N}{Path.GetExtension(job.VideoName)}");
            File.WriteAllBytes(_videoPath, job.Video);
            _video = new VideoFrames(_videoPath);
            var pixels = new float[_pixels.Length];
            for (var skip = 0L; skip < _next && _video.TryRead(job.Height, job.Width, pixels); skip++)
            {
            }
        }
        else
        {
            _synthetic = new SyntheticActionVideo(job.Height, job.Width, job.Seed);
        }
        Receive<Capture>(_ => CaptureFrame());
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        if (_paced)
        {
            Timers.StartPeriodicTimer("capture", Capture.Instance, TimeSpan.FromSeconds(1 / Role.Job.Fps));
        }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _video?.Dispose();
        if (_videoPath is not null)
        {
            File.Delete(_videoPath);
        }
        base.PostStop();
    }

    /// <inheritdoc />
    protected override void OnCredit()
    {
        if (!_paced && Credits > 0 && !_ended)
        {
            Self.Tell(Capture.Instance);
        }
    }

    private void CaptureFrame()
    {
        if (_ended)
        {
            return;
        }
        if (Role.Job.Frames > 0 && _next >= Role.Job.Frames)
        {
            End("");
            return;
        }
        if (!_paced && Credits == 0)
        {
            return;
        }
        var captured = DateTime.UtcNow.Ticks;
        var index = _next++;
        if (Credits == 0 && _video is null)
        {
            // Paced and the pipeline is behind: this frame is dropped (the next capture is fresher).
            Dropped();
            return;
        }
        int label;
        if (_video is not null)
        {
            if (!_video.TryRead(Role.Job.Height, Role.Job.Width, _pixels))
            {
                End("");
                return;
            }
            label = -1;
        }
        else
        {
            _synthetic!.Render(index, _pixels);
            label = _synthetic.Label(index);
        }
        if (Credits == 0)
        {
            // The file's frame was decoded to keep the file's pace, and is dropped likewise.
            Dropped();
            return;
        }
        var bytes = new byte[_pixels.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(255 * _pixels[i] + 0.5f);
        }
        var frame = new HarFrame(Role.JobId, Role.Assign.Generation, index, captured, label, Role.Job.Height, Role.Job.Width, bytes,
            DateTime.UtcNow.Ticks);
        Emit(frame, captured, (DateTime.UtcNow.Ticks - captured) / (double)TimeSpan.TicksPerMillisecond);
        if (!_paced && Credits > 0)
        {
            Self.Tell(Capture.Instance);
        }
    }

    private void End(string error)
    {
        _ended = true;
        Timers.Cancel("capture");
        Role.Assign.Driver.Tell(new HarSourceEnded(Role.Assign.Generation, _next, Role.Counters.Dropped, error));
    }

    private sealed class Capture
    {
        public static readonly Capture Instance = new();
    }
}
