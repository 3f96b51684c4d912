using System.Diagnostics;
using System.Globalization;
using Dataflow.Har;
using Dataflow.Kernels.Har;

namespace Dataflow.Host.Bench;

/// <summary>The <c>har</c> sections of <c>dataflow bench</c>: the Farneback kernel against OpenCV's on the same frames
/// and threads, and the streaming pipeline's fps and latency, at capacity and under a 2x overload.</summary>
internal static class HarBench
{
    private const int Height = 256;
    private const int Width = 344;

    public static Task Flow(TextWriter w)
    {
        w.WriteLine($"== Farneback dense optical flow at {Height}x{Width} (pyramid 0.5 x 3 levels, window 15, 3 iterations, polyN 5, sigma 1.1)");
        if (OpenCv.UnavailableReason is { } why)
        {
            w.WriteLine($"  skipped: {why}");
            w.WriteLine();
            return Task.CompletedTask;
        }
        // Frames with known motion: the synthetic video's background moves by the camera shake only, so use a
        // textured plane translated and rotated analytically.
        var (first, second, truth) = KnownMotion();
        foreach (var threads in new[] { 1, Environment.ProcessorCount })
        {
            var options = new FarnebackOptions { Threads = threads };
            using var flow = new FarnebackFlow(Height, Width, options);
            float[] ours = [], theirs = [];
            var oursMs = new List<double>();
            var theirsMs = new List<double>();
            for (var round = 0; round < 12; round++)
            {
                var clock = Stopwatch.StartNew();
                ours = flow.Compute(first, second);
                oursMs.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                theirs = OpenCv.FarnebackFlow(first, second, Height, Width, options);
                theirsMs.Add(clock.Elapsed.TotalMilliseconds);
            }
            // The first two rounds warm up the JIT and OpenCV's buffers.
            var o = Median(oursMs.Skip(2).ToList());
            var t = Median(theirsMs.Skip(2).ToList());
            w.WriteLine(Invariant($"  {threads} thread(s): ours {o,7:F1} ms/pair   OpenCV {OpenCv.Version} {t,7:F1} ms/pair   ratio {o / t,5:F2}x (goal <= 1.5x)"));
            w.WriteLine(Invariant($"               EPE ours {Epe(ours, truth):F4} px   OpenCV {Epe(theirs, truth):F4} px (goal: within 20 %)"));
        }
        using var streaming = new FarnebackFlow(Height, Width);
        using var previous = streaming.Expand(first);
        using var next = streaming.Expand(second);
        var stream = new List<double>();
        for (var round = 0; round < 10; round++)
        {
            var clock = Stopwatch.StartNew();
            using var expansion = streaming.Expand(second);
            streaming.Compute(previous, next);
            stream.Add(clock.Elapsed.TotalMilliseconds);
        }
        w.WriteLine(Invariant($"  streaming ({Environment.ProcessorCount} threads, one expansion per frame): {Median(stream):F1} ms/frame"));
        w.WriteLine();
        return Task.CompletedTask;
    }

    public static async Task Stream(TextWriter w, int frames)
    {
        w.WriteLine($"== har streaming pipeline, embedded cluster, {Height}x{Width} frames, {frames} frames per run");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        // Warm-up: JIT, libtorch and the first model load.
        await cluster.RunAsync(Job.Har().Synthetic().Frames(40).Resolution(Height, Width).Build());
        foreach (var features in new[] { "imfe", "flow" })
        {
            var r = (await cluster.RunAsync(Job.Har().Synthetic().Features(features).Frames(frames).Resolution(Height, Width).Build())).As<HarResult>();
            w.WriteLine(Invariant($"  {features,-4} unpaced:   {r.Fps,6:F1} fps  latency p50 {r.LatencyP50Ms,6:F1}  p95 {r.LatencyP95Ms,6:F1}  p99 {r.LatencyP99Ms,6:F1} ms  accuracy {r.Accuracy:P1}  (goal imfe: >= 30 fps, p99 < 100 ms)"));
            WriteStages(w, r);
            var capacity = Math.Max(1, r.Fps);
            var overload = (await cluster.RunAsync(Job.Har().CameraSim(2 * capacity).Features(features).Frames(frames).Resolution(Height, Width).Build())).As<HarResult>();
            w.WriteLine(Invariant($"  {features,-4} camera at 2x ({2 * capacity:F0} fps): {overload.Fps,6:F1} fps out  p99 {overload.LatencyP99Ms,6:F1} ms  dropped {overload.DroppedFrames} of {frames}  lost {overload.LostFrames}  max queue {overload.Stages.Max(s => s.MaxQueueLength)}"));
        }
        w.WriteLine();
    }

    private static void WriteStages(TextWriter w, HarResult r)
    {
        foreach (var s in r.Stages)
        {
            w.WriteLine(Invariant($"      {s.Role,-11} {s.Fps,6:F1} fps  p50 {s.LatencyP50Ms,6:F1}  p95 {s.LatencyP95Ms,6:F1}  p99 {s.LatencyP99Ms,6:F1} ms  max queue {s.MaxQueueLength}  dropped {s.Dropped}"));
        }
    }

    private static (float[] First, float[] Second, Func<double, double, (double, double)> Truth) KnownMotion()
    {
        var random = new Random(17);
        var waves = Enumerable.Range(0, 10).Select(_ =>
        {
            var direction = 2 * Math.PI * random.NextDouble();
            var wavelength = 8 + 24 * random.NextDouble();
            return (Kx: Math.Cos(direction) * 2 * Math.PI / wavelength, Ky: Math.Sin(direction) * 2 * Math.PI / wavelength,
                Phase: 2 * Math.PI * random.NextDouble(), Amplitude: 0.05 + 0.03 * random.NextDouble());
        }).ToArray();
        double At(double x, double y) => Math.Clamp(0.5 + waves.Sum(v => v.Amplitude * Math.Sin(v.Kx * x + v.Ky * y + v.Phase)), 0, 1);
        // A 2 degree rotation about the centre and a shift of (3.5, -2): up to 8 pixels at the corners.
        var angle = 2.0 * Math.PI / 180;
        var (cx, cy, dx, dy) = ((Width - 1) / 2.0, (Height - 1) / 2.0, 3.5, -2.0);
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var first = new float[Height * Width];
        var second = new float[Height * Width];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                first[y * Width + x] = (float)(Math.Round(255 * At(x, y)) / 255);
                var (sx, sy) = (cx + cos * (x - cx - dx) + sin * (y - cy - dy), cy - sin * (x - cx - dx) + cos * (y - cy - dy));
                second[y * Width + x] = (float)(Math.Round(255 * At(sx, sy)) / 255);
            }
        }
        return (first, second, (x, y) => (cx + cos * (x - cx) - sin * (y - cy) + dx - x, cy + sin * (x - cx) + cos * (y - cy) + dy - y));
    }

    private static double Epe(float[] flow, Func<double, double, (double Dx, double Dy)> truth)
    {
        const int margin = 20;
        double sum = 0;
        var n = 0;
        for (var y = margin; y < Height - margin; y++)
        {
            for (var x = margin; x < Width - margin; x++)
            {
                var (tx, ty) = truth(x, y);
                var i = 2 * (y * Width + x);
                sum += Math.Sqrt((flow[i] - tx) * (flow[i] - tx) + (flow[i + 1] - ty) * (flow[i + 1] - ty));
                n++;
            }
        }
        return sum / n;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
