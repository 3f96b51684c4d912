using System.Xml.Linq;
using Dataflow.Host;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary><c>run VERB --plot FILE</c> as a user types it: the file is written after the job, and a format that is
/// not drawn is refused before the job runs.</summary>
public sealed class PlotProcessSpec
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Train_writes_its_loss_curve_as_svg_and_a_jpg_is_refused_before_the_job()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-plot-");
        try
        {
            var svg = Path.Combine(dir.FullName, "loss.svg");
            var run = await LocalHosts.RunCliAsync(["run", "train", "--steps", "6", "--quiet", "--plot", svg], s_limit);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains($"plot              {svg}", run.Stdout);
            var root = XDocument.Load(svg).Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.Contains("training loss", root.Value);
            Assert.Contains("train mlp: 4 logical workers", root.Value);

            var jpg = Path.Combine(dir.FullName, "loss.jpg");
            var refused = await LocalHosts.RunCliAsync(["run", "train", "--steps", "6", "--plot", jpg], s_limit);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"--plot '{jpg}': a plot is written as .png or .svg", refused.Stderr);
            Assert.DoesNotContain("connecting to", refused.Stderr);
            Assert.False(File.Exists(jpg));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
