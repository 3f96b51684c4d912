namespace Dataflow.Kernels.Har;

/// <summary>Labelled clips of synthetic action video at working resolution, with their optical-flow feature maps:
/// the training and held-out sets of <see cref="HarTrainer"/>.</summary>
/// <param name="Frames">Per clip, <see cref="HarGeometry.WindowPairs"/> + 1 working frames, concatenated.</param>
/// <param name="Features">Per clip, the <see cref="HarGeometry.WindowPairs"/> flow feature maps between them.</param>
/// <param name="Labels">Per clip, its action.</param>
public sealed record HarClips(float[][] Frames, float[][] Features, int[] Labels)
{
    /// <summary>Clips in the set.</summary>
    public int Count => Labels.Length;

    /// <summary><paramref name="count"/> clips of the video of <paramref name="seed"/>: clip c is a window of action c,
    /// from a start frame that varies with c, so windows start anywhere in an action (some across a change of actor).</summary>
    /// <param name="progress">Called with (clips done, count) every 2 clips.</param>
    public static HarClips Generate(int count, long seed, int threads = 1, Action<int, int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        const int length = HarGeometry.WindowPairs + 1;
        var video = new SyntheticActionVideo(HarGeometry.WorkHeight, HarGeometry.WorkWidth, seed);
        using var flow = new FlowFeatureExtractor(threads);
        var frames = new float[count][];
        var features = new float[count][];
        var labels = new int[count];
        for (var c = 0; c < count; c++)
        {
            var start = (long)c * video.ActionFrames + c * 37 % (video.ActionFrames - length + 1);
            frames[c] = new float[length * HarGeometry.WorkPixels];
            features[c] = new float[HarGeometry.WindowPairs * HarGeometry.FeatureLength];
            flow.Reset();
            for (var i = 0; i < length; i++)
            {
                var frame = frames[c].AsSpan(i * HarGeometry.WorkPixels, HarGeometry.WorkPixels);
                video.Render(start + i, frame);
                if (flow.Push(frame) is { } map)
                {
                    map.CopyTo(features[c].AsSpan((i - 1) * HarGeometry.FeatureLength));
                }
            }
            labels[c] = video.Label(start);
            if ((c + 1) % 2 == 0 || c == count - 1)
            {
                progress?.Invoke(c + 1, count);
            }
        }
        return new HarClips(frames, features, labels);
    }
}
