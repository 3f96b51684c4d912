using OpenCvSharp;

namespace Dataflow.Kernels.Har;

/// <summary>Frames of a video file, decoded by OpenCV (its FFmpeg back end), as grey floats in [0, 1] at a chosen
/// resolution.</summary>
public sealed class VideoFrames : IDisposable
{
    private readonly VideoCapture _capture;
    private readonly Mat _frame = new();
    private readonly Mat _grey = new();
    private readonly Mat _resized = new();

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">OpenCV cannot open it as a video (the message names the file).</exception>
    public VideoFrames(string path)
    {
        OpenCv.EnsureAvailable();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such video file", path);
        }
        Path = path;
        _capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new InvalidDataException($"{path}: not a video file OpenCV can decode (truncated or corrupt?)");
        }
        Fps = _capture.Fps;
        DeclaredFrames = (long)_capture.Get(VideoCaptureProperties.FrameCount);
        Width = _capture.FrameWidth;
        Height = _capture.FrameHeight;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Frames per second the container declares (0 when it declares none).</summary>
    public double Fps { get; }

    /// <summary>Frames the container declares (0 or less when unknown).</summary>
    public long DeclaredFrames { get; }

    /// <summary>Stored frame width.</summary>
    public int Width { get; }

    /// <summary>Stored frame height.</summary>
    public int Height { get; }

    /// <summary>Decodes the next frame as grey levels at <paramref name="height"/> x <paramref name="width"/> (area
    /// averaging when smaller); false at the end of the stream.</summary>
    public bool TryRead(int height, int width, Span<float> pixels)
    {
        if (pixels.Length != height * width)
        {
            throw new ArgumentException($"expected {height * width} pixels, got {pixels.Length}", nameof(pixels));
        }
        if (!_capture.Read(_frame) || _frame.Empty())
        {
            return false;
        }
        if (_frame.Channels() == 1)
        {
            _frame.CopyTo(_grey);
        }
        else
        {
            Cv2.CvtColor(_frame, _grey, _frame.Channels() == 4 ? ColorConversionCodes.BGRA2GRAY : ColorConversionCodes.BGR2GRAY);
        }
        var interpolation = height <= _grey.Rows && width <= _grey.Cols ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(_grey, _resized, new Size(width, height), 0, 0, interpolation);
        _resized.GetArray(out byte[] bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            pixels[i] = bytes[i] / 255f;
        }
        return true;
    }

    /// <summary>Decodes the whole file once: its frame count and frame rate.</summary>
    /// <exception cref="InvalidDataException">The file does not open, holds no frame, or decodes fewer frames than its
    /// container declares (truncated); the message names the file.</exception>
    public static (long Frames, double Fps) Probe(string path)
    {
        using var video = new VideoFrames(path);
        var pixels = new float[64 * 64];
        long frames = 0;
        while (video.TryRead(64, 64, pixels))
        {
            frames++;
        }
        if (frames == 0)
        {
            throw new InvalidDataException($"{path}: no frame decodes (truncated or corrupt video)");
        }
        if (video.DeclaredFrames > 0 && frames < video.DeclaredFrames)
        {
            throw new InvalidDataException($"{path}: truncated or corrupt video: {frames} of the {video.DeclaredFrames} frames its container declares decode");
        }
        return (frames, video.Fps);
    }

    /// <summary>Writes <paramref name="frames"/> (grey floats in [0, 1]) as a Motion-JPEG AVI file: test and example input.</summary>
    public static void WriteMjpeg(string path, IEnumerable<float[]> frames, int height, int width, double fps)
    {
        OpenCv.EnsureAvailable();
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(width, height), isColor: false);
        if (!writer.IsOpened())
        {
            throw new IOException($"{path}: OpenCV cannot write a Motion-JPEG AVI here");
        }
        foreach (var frame in frames)
        {
            using var mat = OpenCv.ToMat(frame, height, width);
            writer.Write(mat);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _capture.Dispose();
        _frame.Dispose();
        _grey.Dispose();
        _resized.Dispose();
    }
}
