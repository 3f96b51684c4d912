using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>Farneback's flow recovers known motions of a textured image: translations and a rotation with their
/// analytic flow fields, within an end-point-error bound, on direct CPU dispatch and on ILGPU's CPU accelerator.</summary>
public sealed class FarnebackFlowSpec(ITestOutputHelper output)
{
    private const int Height = 96;
    private const int Width = 128;
    private const int Margin = 16;

    [Theory]
    [InlineData(1.6, -0.7, 0.10)]
    [InlineData(-3.2, 2.5, 0.15)]
    [InlineData(6.0, 0.0, 0.25)]
    public void Recovers_a_translation(double dx, double dy, double bound)
    {
        var scene = new TexturedScene(7);
        var first = scene.Render(Height, Width, (x, y) => (x, y));
        var second = scene.Render(Height, Width, (x, y) => (x - dx, y - dy));
        using var flow = new FarnebackFlow(Height, Width);
        var field = flow.Compute(first, second);
        var epe = TexturedScene.EndPointError(field, Height, Width, Margin, (_, _) => (dx, dy));
        output.WriteLine($"translation ({dx}, {dy}): EPE {epe:F4} px");
        Assert.InRange(epe, 0, bound);
    }

    [Theory]
    [InlineData(3.0, 0.15)]
    [InlineData(-2.0, 0.12)]
    public void Recovers_a_rotation_about_the_centre(double degrees, double bound)
    {
        var scene = new TexturedScene(11);
        var angle = degrees * Math.PI / 180;
        var (cx, cy) = ((Width - 1) / 2.0, (Height - 1) / 2.0);
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var first = scene.Render(Height, Width, (x, y) => (x, y));
        // Frame 2 at p shows frame 1 at R^-1 (p - c) + c; the flow at p is R (p - c) + c - p.
        var second = scene.Render(Height, Width, (x, y) => (cx + cos * (x - cx) + sin * (y - cy), cy - sin * (x - cx) + cos * (y - cy)));
        using var flow = new FarnebackFlow(Height, Width);
        var field = flow.Compute(first, second);
        var epe = TexturedScene.EndPointError(field, Height, Width, Margin,
            (x, y) => (cx + cos * (x - cx) - sin * (y - cy) - x, cy + sin * (x - cx) + cos * (y - cy) - y));
        output.WriteLine($"rotation {degrees} deg: EPE {epe:F4} px");
        Assert.InRange(epe, 0, bound);
    }

    [Fact]
    public void Zero_motion_gives_zero_flow_and_expansions_are_reusable()
    {
        var scene = new TexturedScene(3);
        var image = scene.Render(Height, Width, (x, y) => (x, y));
        var moved = scene.Render(Height, Width, (x, y) => (x - 1, y));
        using var flow = new FarnebackFlow(Height, Width);
        using var a = flow.Expand(image);
        using var b = flow.Expand(moved);
        Assert.All(flow.Compute(a, a), v => Assert.InRange(v, -1e-3f, 1e-3f));
        // The same expansion in two pairs gives the same flow as expanding afresh.
        Assert.Equal(flow.Compute(image, moved), flow.Compute(a, b));
    }

    [Fact]
    public void The_flow_is_the_same_bits_on_one_two_and_three_threads()
    {
        var scene = new TexturedScene(7);
        const int h = 96, w = 128;
        var first = scene.Render(h, w, (x, y) => (x, y));
        var second = scene.Render(h, w, (x, y) => (x - 2.3, y + 1.1));
        using var one = new FarnebackFlow(h, w, new FarnebackOptions { Threads = 1 });
        var expected = one.Compute(first, second);
        foreach (var threads in new[] { 2, 3 })
        {
            using var flow = new FarnebackFlow(h, w, new FarnebackOptions { Threads = threads });
            Assert.Equal(expected, flow.Compute(first, second));
        }
    }

    [Fact]
    public void The_kernels_are_valid_ILGPU_kernels_and_match_the_vectorised_cpu_path()
    {
        var scene = new TexturedScene(5);
        const int h = 40, w = 48;
        var first = scene.Render(h, w, (x, y) => (x, y));
        var second = scene.Render(h, w, (x, y) => (x - 1.2, y + 0.6));
        var options = new FarnebackOptions { Levels = 1, Iterations = 2 };
        using var direct = new FarnebackFlow(h, w, options);
        using var emulated = new FarnebackFlow(h, w, options, ComputeBackendKind.IlgpuCpu);
        var a = direct.Compute(first, second);
        var b = emulated.Compute(first, second);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 1e-3f);
        }
    }

    [Fact]
    public void Bad_sizes_are_rejected_with_the_field_named()
    {
        Assert.Throws<ArgumentException>(() => new FarnebackFlow(4, 100));
        var e = Assert.Throws<ArgumentException>(() => new FarnebackFlow(32, 32, new FarnebackOptions { WindowSize = 4 }));
        Assert.Contains("window size", e.Message);
        using var flow = new FarnebackFlow(32, 32);
        Assert.Throws<ArgumentException>(() => flow.Expand(new float[10]));
    }
}
