using System.Diagnostics;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Har;
using static TorchSharp.torch;

namespace Dataflow.Actors.Har;

/// <summary>The motion-feature stage: reduces each frame to the working resolution and computes the feature map of the
/// motion since the previous frame, by Farneback optical flow or by IMFE. After a gap (dropped frames) the map is
/// scaled to motion per frame; after a restart the first frame only primes the next pair.</summary>
internal sealed class HarFeatures : HarRoleActor
{
    private readonly FlowFeatureExtractor? _flow;
    private readonly HarModel? _model;
    private Tensor? _previousEncoding;
    private long _previousIndex = -1;

    public HarFeatures(HarRoleContext context) : base(context)
    {
        if (context.Job.Features == "flow")
        {
            _flow = new FlowFeatureExtractor(context.Job.Threads);
        }
        else
        {
            TorchRuntime.EnsureLoaded(context.Job.Threads);
            _model = HarModel.FromBytes(context.Job.Model, context.Job.ModelName);
        }
        Receive<HarFrame>(OnFrame);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _flow?.Dispose();
        _previousEncoding?.Dispose();
        _model?.Dispose();
        base.PostStop();
    }

    private void OnFrame(HarFrame frame)
    {
        Arrived();
        var clock = Stopwatch.StartNew();
        if (frame.Index == Role.Job.CrashFeaturesAt && HarFaults.TryTrip(Role.JobId))
        {
            throw new InvalidOperationException($"injected fault at frame {frame.Index}");
        }
        var pixels = new float[frame.Pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = frame.Pixels[i] / 255f;
        }
        var working = HarGeometry.ToWorking(pixels, frame.Height, frame.Width);
        var gap = _previousIndex < 0 ? 0 : frame.Index - _previousIndex;
        if (gap is < 1 or > 4)
        {
            // A new stream, or too long a gap for a motion estimate: this frame starts the next pair.
            _flow?.Reset();
            _previousEncoding?.Dispose();
            _previousEncoding = null;
        }
        var map = _flow is not null ? _flow.Push(working) : Imfe(working);
        _previousIndex = frame.Index;
        if (map is not null && gap > 1)
        {
            for (var i = 0; i < map.Length; i++)
            {
                map[i] /= gap;
            }
        }
        Emit(new HarFeatureMap(Role.JobId, Role.Assign.Generation, frame.Index, frame.CaptureTicks, frame.Label, map ?? [],
            DateTime.UtcNow.Ticks), frame.SentTicks, clock.Elapsed.TotalMilliseconds);
    }

    private float[]? Imfe(float[] working)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var encoded = _model!.Imfe.Encode(tensor(working, [1, 1, HarGeometry.WorkHeight, HarGeometry.WorkWidth]));
        float[]? map = null;
        if (_previousEncoding is { } previous)
        {
            map = _model.Imfe.Motion(previous, encoded).data<float>().ToArray();
            previous.Dispose();
        }
        _previousEncoding = encoded.MoveToOuterDisposeScope();
        return map;
    }
}

/// <summary>Injected faults that fire once per job in this process, whichever actor instance reaches them.</summary>
internal static class HarFaults
{
    private static readonly HashSet<string> s_tripped = [];

    /// <summary>True the first time for <paramref name="jobId"/>.</summary>
    public static bool TryTrip(string jobId)
    {
        lock (s_tripped)
        {
            return s_tripped.Add(jobId);
        }
    }
}
