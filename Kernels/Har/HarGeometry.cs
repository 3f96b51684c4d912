namespace Dataflow.Kernels.Har;

/// <summary>The fixed geometry of the motion features: every frame, whatever its resolution, is reduced to a
/// <see cref="WorkHeight"/> x <see cref="WorkWidth"/> working frame; motion between two working frames is a
/// 2 x <see cref="FeatureHeight"/> x <see cref="FeatureWidth"/> map (the flow averaged over 4 x 4 cells, in working
/// pixels); the recogniser sees the last <see cref="WindowPairs"/> maps.</summary>
public static class HarGeometry
{
    /// <summary>Rows of a working frame.</summary>
    public const int WorkHeight = 48;

    /// <summary>Columns of a working frame.</summary>
    public const int WorkWidth = 64;

    /// <summary>Working pixels per feature cell, per side.</summary>
    public const int Cell = 4;

    /// <summary>Rows of a motion feature map.</summary>
    public const int FeatureHeight = WorkHeight / Cell;

    /// <summary>Columns of a motion feature map.</summary>
    public const int FeatureWidth = WorkWidth / Cell;

    /// <summary>Floats of one motion feature map (dx then dy planes).</summary>
    public const int FeatureLength = 2 * FeatureHeight * FeatureWidth;

    /// <summary>Consecutive feature maps (frame pairs) the recogniser classifies.</summary>
    public const int WindowPairs = 8;

    /// <summary>Largest flow component a feature map counts, in working pixels per frame.</summary>
    public const float MaxFlow = 6f;

    /// <summary>Pixels of a working frame.</summary>
    public const int WorkPixels = WorkHeight * WorkWidth;

    /// <summary>The working frame of a <paramref name="height"/> x <paramref name="width"/> frame: each working pixel
    /// is the mean of the source pixels whose centres fall in its footprint (area averaging, as OpenCV's INTER_AREA).</summary>
    public static float[] ToWorking(ReadOnlySpan<float> frame, int height, int width)
    {
        if (frame.Length != height * width)
        {
            throw new ArgumentException($"expected {height}x{width} = {height * width} pixels, got {frame.Length}", nameof(frame));
        }
        if (height < WorkHeight || width < WorkWidth)
        {
            throw new ArgumentException($"frames must be at least {WorkHeight}x{WorkWidth}, not {height}x{width}", nameof(height));
        }
        var working = new float[WorkPixels];
        if (height == WorkHeight && width == WorkWidth)
        {
            frame.CopyTo(working);
            return working;
        }
        Span<int> columnStart = stackalloc int[WorkWidth + 1];
        for (var x = 0; x <= WorkWidth; x++)
        {
            columnStart[x] = (int)((long)x * width / WorkWidth);
        }
        for (var y = 0; y < WorkHeight; y++)
        {
            var top = (int)((long)y * height / WorkHeight);
            var bottom = (int)((long)(y + 1) * height / WorkHeight);
            for (var x = 0; x < WorkWidth; x++)
            {
                double sum = 0;
                for (var sy = top; sy < bottom; sy++)
                {
                    var row = frame.Slice(sy * width + columnStart[x], columnStart[x + 1] - columnStart[x]);
                    foreach (var v in row)
                    {
                        sum += v;
                    }
                }
                working[y * WorkWidth + x] = (float)(sum / ((bottom - top) * (columnStart[x + 1] - columnStart[x])));
            }
        }
        return working;
    }

    /// <summary>The feature map of a working-resolution flow (2 floats per pixel, dx dy): the mean flow of each cell,
    /// channel-major (the dx plane, then the dy plane).</summary>
    public static float[] PoolFlow(ReadOnlySpan<float> flow)
    {
        if (flow.Length != 2 * WorkPixels)
        {
            throw new ArgumentException($"expected a {WorkHeight}x{WorkWidth} flow, got {flow.Length} floats", nameof(flow));
        }
        var features = new float[FeatureLength];
        const int plane = FeatureHeight * FeatureWidth;
        const float mean = 1f / (Cell * Cell);
        // Flat, noisy patches can make the 2x2 solve of a pixel huge (its ridge is small): a working frame's motion is
        // a few pixels at most, so each pixel's flow is clamped to MaxFlow before the cells average it.
        for (var y = 0; y < WorkHeight; y++)
        {
            for (var x = 0; x < WorkWidth; x++)
            {
                var cell = y / Cell * FeatureWidth + x / Cell;
                features[cell] += mean * Math.Clamp(flow[2 * (y * WorkWidth + x)], -MaxFlow, MaxFlow);
                features[plane + cell] += mean * Math.Clamp(flow[2 * (y * WorkWidth + x) + 1], -MaxFlow, MaxFlow);
            }
        }
        return features;
    }
}
