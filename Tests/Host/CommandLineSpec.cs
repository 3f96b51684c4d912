using System.Text.RegularExpressions;
using Dataflow.Actors.Runtime;
using Dataflow.Host;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary>The <c>dataflow</c> process: <c>--version</c> on every verb, and <c>--hocon</c> files refused before a node starts.</summary>
public sealed partial class CommandLineSpec : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("dataflow-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"^dataflow \d+\.\d+\.\d+(\+[0-9a-f]{7,40})?$")]
    private static partial Regex VersionLine();

    [Theory]
    [InlineData("--version")]
    [InlineData("run --version")]
    [InlineData("run train --version")]
    [InlineData("host --version")]
    [InlineData("status --version")]
    public async Task Version_prints_one_line_with_the_assembly_version_and_exits_0(string args)
    {
        var run = await LocalHosts.RunCliAsync(args.Split(' '), s_limit);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var line = Assert.Single(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"dataflow {DataflowVersion.Current}", line);
        Assert.Matches(VersionLine(), line);
        Assert.Matches($@"^{Regex.Escape(DeclaredVersion())}(\+|$)", DataflowVersion.Current);
    }

    // The <Version> of Directory.Build.props, not the SDK's default 1.0.0.
    private static string DeclaredVersion()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Directory.Build.props")))
        {
            root = root.Parent;
        }
        Assert.NotNull(root);
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(root.FullName, "Directory.Build.props"));
        return Assert.Single(props.Descendants("Version")).Value;
    }

    [Theory]
    [InlineData("dataflow.step-timout = 5s", "dataflow.step-timout", "unknown key; did you mean dataflow.step-timeout?")]
    [InlineData("dataflow { step-timeout = -5s }", "dataflow.step-timeout", "expected a positive duration")]
    [InlineData("dataflow.telemetry-interval = often", "dataflow.telemetry-interval", "is not a duration")]
    public async Task Host_and_run_refuse_a_bad_hocon_file_in_one_line_with_exit_2(string hocon, string key, string problem)
    {
        var file = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(file, $"akka.loglevel = WARNING\n{hocon}\n");
        var port = LocalHosts.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[][] commands =
        [
            ["host", "--port", port, "--hocon", file],
            ["run", "train", "--steps", "1", "--quiet", "--hocon", file],
        ];
        foreach (var args in commands)
        {
            var run = await LocalHosts.RunCliAsync(args, s_limit);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"dataflow: {file}: {key}: ", line);
            Assert.Contains(problem, line);
            Assert.DoesNotContain("started", run.Stdout);
        }
    }
}
