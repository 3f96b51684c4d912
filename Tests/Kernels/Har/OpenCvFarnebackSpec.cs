using Dataflow.Kernels.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>The project's Farneback flow against OpenCV's <c>calcOpticalFlowFarneback</c> with the same parameters on
/// the same 8-bit frames of known motion: its end-point error is within 20 % of OpenCV's (or under 0.05 px), and the
/// two fields agree. Skipped, with the reason, where OpenCV's native runtime does not load.</summary>
public sealed class OpenCvFarnebackSpec(ITestOutputHelper output)
{
    private const int Height = 96;
    private const int Width = 128;

    public static TheoryData<string, double, double, double> Motions => new()
    {
        { "translation", 1.6, -0.7, 0 },
        { "translation", -4.5, 3.0, 0 },
        { "rotation", 0, 0, 3.0 },
    };

    [OpenCvTheory]
    [MemberData(nameof(Motions))]
    public void End_point_error_is_within_20_percent_of_OpenCVs(string kind, double dx, double dy, double degrees)
    {
        var scene = new TexturedScene(13);
        var angle = degrees * Math.PI / 180;
        var (cx, cy) = ((Width - 1) / 2.0, (Height - 1) / 2.0);
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var first = scene.Render(Height, Width, (x, y) => (x, y));
        var second = scene.Render(Height, Width, (x, y) =>
            (cx + cos * (x - cx - dx) + sin * (y - cy - dy), cy - sin * (x - cx - dx) + cos * (y - cy - dy)));
        (double, double) Truth(double x, double y) =>
            (cx + cos * (x - cx) - sin * (y - cy) + dx - x, cy + sin * (x - cx) + cos * (y - cy) + dy - y);
        var options = new FarnebackOptions { Threads = 1 };
        using var flow = new FarnebackFlow(Height, Width, options);
        var ours = flow.Compute(first, second);
        var theirs = OpenCv.FarnebackFlow(first, second, Height, Width, options);
        var epeOurs = TexturedScene.EndPointError(ours, Height, Width, 16, Truth);
        var epeOpenCv = TexturedScene.EndPointError(theirs, Height, Width, 16, Truth);
        var difference = TexturedScene.EndPointError(ours, Height, Width, 16, (x, y) =>
        {
            var i = 2 * ((int)y * Width + (int)x);
            return (theirs[i], theirs[i + 1]);
        });
        output.WriteLine($"{kind} ({dx}, {dy}, {degrees} deg): EPE ours {epeOurs:F4}, OpenCV {OpenCv.Version} {epeOpenCv:F4}, mean |ours - OpenCV| {difference:F4} px");
        Assert.True(epeOurs <= Math.Max(1.2 * epeOpenCv, 0.05), $"EPE {epeOurs:F4} vs OpenCV's {epeOpenCv:F4}");
        Assert.True(difference < 0.25, $"fields differ by {difference:F4} px");
    }
}
