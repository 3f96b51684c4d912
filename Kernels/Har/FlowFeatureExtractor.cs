namespace Dataflow.Kernels.Har;

/// <summary>Motion features by classic optical flow: Farneback's flow between consecutive working frames, pooled to
/// the feature grid (<see cref="HarGeometry"/>). The teacher IMFE is distilled from.</summary>
/// <remarks>A working frame is only 48 x 64, under OpenCV's 32-pixel rule for a second pyramid level, so the flow is
/// single-level with a 9-pixel window: the actors of the synthetic videos move under 2 working pixels per frame.
/// Streaming use keeps each frame's expansion for the next pair (<see cref="Push"/>). One thread at a time.</remarks>
public sealed class FlowFeatureExtractor : IDisposable
{
    private readonly FarnebackFlow _flow;
    private readonly float[] _field = new float[2 * HarGeometry.WorkPixels];
    private FarnebackExpansion? _previous;

    /// <summary>An extractor using <paramref name="threads"/> CPU threads.</summary>
    public FlowFeatureExtractor(int threads = 1) =>
        _flow = new FarnebackFlow(HarGeometry.WorkHeight, HarGeometry.WorkWidth, Options(threads));

    /// <summary>The Farneback parameters of the features.</summary>
    public static FarnebackOptions Options(int threads) => new() { Levels = 0, WindowSize = 9, Iterations = 3, Threads = threads };

    /// <summary>The feature map of the motion from working frame <paramref name="previous"/> to <paramref name="next"/>.</summary>
    public float[] Pair(ReadOnlySpan<float> previous, ReadOnlySpan<float> next)
    {
        using var a = _flow.Expand(previous);
        using var b = _flow.Expand(next);
        _flow.Compute(a, b, _field);
        return HarGeometry.PoolFlow(_field);
    }

    /// <summary>Takes the next working frame of a stream: the feature map of the motion from the frame pushed before,
    /// or null for the first frame (or after <see cref="Reset"/>).</summary>
    public float[]? Push(ReadOnlySpan<float> working)
    {
        var next = _flow.Expand(working);
        if (_previous is not { } previous)
        {
            _previous = next;
            return null;
        }
        _flow.Compute(previous, next, _field);
        previous.Dispose();
        _previous = next;
        return HarGeometry.PoolFlow(_field);
    }

    /// <summary>Forgets the last frame (a gap in the stream: the next push starts a new pair).</summary>
    public void Reset()
    {
        _previous?.Dispose();
        _previous = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Reset();
        _flow.Dispose();
    }
}
