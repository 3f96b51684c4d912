using Dataflow.Kernels.Har;
using Xunit;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>Video files decode through OpenCV: a written Motion-JPEG file reads back frame for frame, and a truncated or
/// corrupt file is an error that names it.</summary>
public sealed class VideoFramesSpec : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("har-video-").FullName;

    [OpenCvFact]
    public void A_written_video_reads_back_with_its_frames()
    {
        var video = new SyntheticActionVideo(96, 128, seed: 2);
        var path = Path.Combine(_folder, "clip.avi");
        VideoFrames.WriteMjpeg(path, Enumerable.Range(0, 20).Select(i => video.Render(i)), 96, 128, fps: 25);
        Assert.Equal((20L, 25.0), VideoFrames.Probe(path));
        using var frames = new VideoFrames(path);
        var pixels = new float[96 * 128];
        Assert.True(frames.TryRead(96, 128, pixels));
        // JPEG is lossy: the first frame comes back within a few grey levels on average.
        var expected = video.Render(0);
        Assert.InRange(pixels.Zip(expected, (a, b) => Math.Abs(a - b)).Average(), 0, 0.03);
    }

    [OpenCvFact]
    public void A_truncated_or_corrupt_video_is_an_error_naming_the_file()
    {
        var video = new SyntheticActionVideo(96, 128, seed: 2);
        var path = Path.Combine(_folder, "full.avi");
        VideoFrames.WriteMjpeg(path, Enumerable.Range(0, 30).Select(i => video.Render(i)), 96, 128, fps: 25);
        var bytes = File.ReadAllBytes(path);
        var truncated = Path.Combine(_folder, "truncated.avi");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => VideoFrames.Probe(truncated));
        Assert.Contains("truncated.avi", e.Message);
        var garbage = Path.Combine(_folder, "garbage.mp4");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        e = Assert.Throws<InvalidDataException>(() => VideoFrames.Probe(garbage));
        Assert.Contains("garbage.mp4", e.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
