using Dataflow.Kernels.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>The synthetic action videos: deterministic per seed, every class present, and the motion each class claims
/// is the motion the optical flow measures.</summary>
public sealed class SyntheticActionVideoSpec(ITestOutputHelper output)
{
    [Fact]
    public void Frames_are_a_pure_function_of_seed_and_index()
    {
        var a = new SyntheticActionVideo(48, 64, seed: 5);
        var b = new SyntheticActionVideo(48, 64, seed: 5);
        var c = new SyntheticActionVideo(48, 64, seed: 6);
        Assert.Equal(a.Render(37), b.Render(37));
        Assert.NotEqual(a.Render(37), c.Render(37));
        Assert.NotEqual(a.Render(37), a.Render(38));
        Assert.All(a.Render(3), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(a.Label(64), a.Label(127));
    }

    [Fact]
    public void Every_class_occurs_about_equally_often()
    {
        var video = new SyntheticActionVideo(48, 64, seed: 1);
        var counts = new int[SyntheticActionVideo.Classes.Count];
        for (var s = 0; s < 600; s++)
        {
            counts[video.Label((long)video.ActionFrames * s)]++;
        }
        Assert.All(counts, n => Assert.InRange(n, 60, 140));
    }

    [Fact]
    public void The_flow_of_each_class_moves_the_way_its_name_says()
    {
        // Judged by most of each class's clips: drift and camera shake blur a few.
        var clips = HarClips.Generate(60, seed: 3);
        var tally = new (int Agree, int Total)[SyntheticActionVideo.Classes.Count];
        const int plane = HarGeometry.FeatureHeight * HarGeometry.FeatureWidth;
        for (var c = 0; c < clips.Count; c++)
        {
            // Mean flow over the cells that move (the camera shake moves the background too, under 0.3 px a frame), and
            // their angular momentum about their centroid (positive: clockwise on screen, y pointing down).
            double dx = 0, dy = 0, curl = 0, moving = 0;
            var f = clips.Features[c];
            for (var p = 0; p < HarGeometry.WindowPairs; p++)
            {
                var o = p * HarGeometry.FeatureLength;
                var cells = new List<(int X, int Y, double U, double V)>();
                for (var y = 0; y < HarGeometry.FeatureHeight; y++)
                {
                    for (var x = 0; x < HarGeometry.FeatureWidth; x++)
                    {
                        var i = y * HarGeometry.FeatureWidth + x;
                        var (u, v) = (f[o + i], f[o + plane + i]);
                        if (u * u + v * v > 0.09)
                        {
                            cells.Add((x, y, u, v));
                        }
                    }
                }
                if (cells.Count == 0)
                {
                    continue;
                }
                var (cx, cy) = (cells.Average(q => q.X), cells.Average(q => q.Y));
                foreach (var (x, y, u, v) in cells)
                {
                    dx += u;
                    dy += v;
                    moving++;
                    curl += (x - cx) * v - (y - cy) * u;
                }
            }
            dx /= Math.Max(1, moving);
            dy /= Math.Max(1, moving);
            var name = SyntheticActionVideo.Classes[clips.Labels[c]];
            var agrees = name switch
            {
                "slide-left" => dx < -0.15 && Math.Abs(dx) > Math.Abs(dy),
                "slide-right" => dx > 0.15 && Math.Abs(dx) > Math.Abs(dy),
                "rise" => dy < -0.15 && Math.Abs(dy) > Math.Abs(dx),
                "fall" => dy > 0.15 && Math.Abs(dy) > Math.Abs(dx),
                "spin-cw" => curl > 0,
                _ => curl < 0,
            };
            output.WriteLine($"clip {c} {name}: dx {dx:F2} dy {dy:F2} curl {curl:F2}{(agrees ? "" : "  <- disagrees")}");
            tally[clips.Labels[c]] = (tally[clips.Labels[c]].Agree + (agrees ? 1 : 0), tally[clips.Labels[c]].Total + 1);
        }
        for (var k = 0; k < tally.Length; k++)
        {
            Assert.True(tally[k].Total > 0 && tally[k].Agree >= 0.8 * tally[k].Total,
                $"{SyntheticActionVideo.Classes[k]}: {tally[k].Agree} of {tally[k].Total} clips move as named");
        }
    }

    [Fact]
    public void Working_frames_average_the_source_pixels()
    {
        var frame = new float[96 * 128];
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (i / 128 + i % 128) % 2;
        }
        // A 2x2 checkerboard averages to one half in every working pixel.
        Assert.All(HarGeometry.ToWorking(frame, 96, 128), v => Assert.Equal(0.5f, v, 1e-6f));
        Assert.Throws<ArgumentException>(() => HarGeometry.ToWorking(new float[10], 2, 5));
    }
}
