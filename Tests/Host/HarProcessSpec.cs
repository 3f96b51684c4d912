using System.Text.Json.Nodes;
using Dataflow.Host;
using Dataflow.Kernels.Har;
using Dataflow.Tests.Kernels.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run har</c> as a user runs it: a video file streams through the pipeline and the JSON result
/// has the promised fields; a truncated or corrupt video is refused before anything runs, exit 2, naming the file.</summary>
public sealed class HarProcessSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);
    private readonly string _folder = Directory.CreateTempSubdirectory("har-run-").FullName;

    [OpenCvFact]
    public async Task A_video_file_streams_and_the_json_has_the_promised_fields()
    {
        var video = new SyntheticActionVideo(120, 160, seed: 4);
        var path = Path.Combine(_folder, "actions.avi");
        VideoFrames.WriteMjpeg(path, Enumerable.Range(0, 40).Select(i => video.Render(i)), 120, 160, fps: 30);
        var json = Path.Combine(_folder, "har.json");
        var run = await LocalHosts.RunCliAsync(["run", "har", "--video", path, "--features", "flow", "--resolution", "96x128",
            "--json", json, "--quiet"], s_limit);
        output.WriteLine(run.Stdout + run.Stderr);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        foreach (var field in new[] { "frames", "fps", "latencyP50Ms", "latencyP95Ms", "latencyP99Ms", "droppedFrames", "features", "accuracy" })
        {
            Assert.True(result.ContainsKey(field), $"no {field} in {result}");
        }
        Assert.Equal("flow", (string)result["features"]!);
        Assert.Equal(40, (long)result["frames"]! + (long)result["droppedFrames"]! + (long)result["lostFrames"]!);
        Assert.Null(result["accuracy"]);
        Assert.Contains("stage", run.Stdout);
    }

    [OpenCvFact]
    public async Task A_truncated_or_corrupt_video_is_refused_with_exit_2_naming_the_file()
    {
        var video = new SyntheticActionVideo(96, 128, seed: 4);
        var full = Path.Combine(_folder, "full.avi");
        VideoFrames.WriteMjpeg(full, Enumerable.Range(0, 30).Select(i => video.Render(i)), 96, 128, fps: 30);
        var bytes = File.ReadAllBytes(full);
        var truncated = Path.Combine(_folder, "truncated.avi");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length * 2 / 3)]);
        var corrupt = Path.Combine(_folder, "corrupt.mp4");
        File.WriteAllBytes(corrupt, Enumerable.Range(0, 8192).Select(i => (byte)(i * 131 + 7)).ToArray());
        foreach (var file in new[] { truncated, corrupt, Path.Combine(_folder, "missing.mp4") })
        {
            var run = await LocalHosts.RunCliAsync(["run", "har", "--video", file, "--quiet"], s_limit);
            output.WriteLine($"{Path.GetFileName(file)}: exit {run.ExitCode}: {run.Stderr.Trim()}");
            Assert.True(run.ExitCode == 2, $"{file}: exit {run.ExitCode}\n{run.Stderr}");
            Assert.Contains(file, run.Stderr);
            Assert.DoesNotContain("   at ", run.Stderr);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
