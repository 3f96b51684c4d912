using OpenCvSharp;

namespace Dataflow.Kernels.Har;

/// <summary>Whether OpenCV (OpenCvSharp's official native runtime) loads on this machine, and the calls of it that the
/// har workload makes: video decoding and the reference Farneback flow of the benchmark.</summary>
/// <remarks>The native runtime links GTK 3 (Debian: <c>apt-get install libgtk-3-0</c>); where it cannot load, video
/// input is unavailable with that reason and the tests and benchmark sections that need it say so.</remarks>
public static class OpenCv
{
    private static readonly Lazy<string?> s_problem = new(Probe);

    /// <summary>Why OpenCV cannot be used here, or null when it can.</summary>
    public static string? UnavailableReason => s_problem.Value;

    /// <summary>OpenCV's version string.</summary>
    public static string Version => Cv2.GetVersionString() ?? "";

    /// <summary>OpenCV's <c>calcOpticalFlowFarneback</c> on two frames in [0, 1] (quantised to 8 bits, as a camera's),
    /// with <paramref name="options"/>' parameters and thread count: 2 floats per pixel (dx, dy).</summary>
    public static float[] FarnebackFlow(ReadOnlySpan<float> previous, ReadOnlySpan<float> next, int height, int width, FarnebackOptions options)
    {
        using var a = ToMat(previous, height, width);
        using var b = ToMat(next, height, width);
        using var flow = new Mat();
        var threads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(options.Threads);
        try
        {
            Cv2.CalcOpticalFlowFarneback(a, b, flow, options.PyramidScale, options.Levels, options.WindowSize, options.Iterations,
                options.PolyN, options.PolySigma, OpticalFlowFlags.None);
        }
        finally
        {
            Cv2.SetNumThreads(threads);
        }
        var result = new float[2 * height * width];
        flow.GetArray(out Vec2f[] vectors);
        for (var i = 0; i < vectors.Length; i++)
        {
            result[2 * i] = vectors[i].Item0;
            result[2 * i + 1] = vectors[i].Item1;
        }
        return result;
    }

    /// <summary>An 8-bit single-channel image of frame <paramref name="pixels"/> (floats in [0, 1]).</summary>
    public static Mat ToMat(ReadOnlySpan<float> pixels, int height, int width)
    {
        var bytes = new byte[height * width];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp(Math.Round(255 * pixels[i]), 0, 255);
        }
        var mat = new Mat(height, width, MatType.CV_8UC1);
        mat.SetArray(bytes);
        return mat;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> with <see cref="UnavailableReason"/> when OpenCV cannot load.</summary>
    public static void EnsureAvailable()
    {
        if (UnavailableReason is { } reason)
        {
            throw new InvalidOperationException($"OpenCV is unavailable on this machine: {reason}");
        }
    }

    private static string? Probe()
    {
        try
        {
            return (Cv2.GetVersionString() ?? "").Length > 0 ? null : "OpenCV returned no version";
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            var inner = e;
            while (inner.InnerException is { } next)
            {
                inner = next;
            }
            return $"libOpenCvSharpExtern does not load ({inner.Message.Split('\n')[0]}); on Debian: apt-get install libgtk-3-0";
        }
    }
}
