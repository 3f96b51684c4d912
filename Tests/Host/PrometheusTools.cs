using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>Debian's Prometheus tools (package <c>prometheus</c>: <c>promtool</c> and the server), which
/// <c>.ci/run</c> installs: where one is missing, what needs it is skipped with the reason.</summary>
internal static class PrometheusTools
{
    /// <summary>The path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Find(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, tool))
        .FirstOrDefault(File.Exists);

    /// <summary><c>promtool check metrics</c> on <paramref name="scrape"/>: it parses, the project's own families
    /// (<c>dataflow_*</c>) pass every lint rule, and the rest break none but one (the runtime and process
    /// instrumentations name some gauges <c>..._count</c>, OpenTelemetry's names, which the linter flags); without promtool, says so in the test's output.</summary>
    public static void AssertPromtoolAccepts(string scrape, ITestOutputHelper output)
    {
        if (Find("promtool") is not { } promtool)
        {
            output.WriteLine("promtool is not installed (apt-get install prometheus): the scrape was not linted");
            return;
        }
        var (exit, said) = Promtool(promtool, scrape);
        output.WriteLine($"promtool check metrics: exit {exit}\n{said}");
        // Exit 1: it does not parse; 3: lint problems only.
        Assert.True(exit is 0 or 3, $"promtool check metrics: exit {exit}\n{said}");
        Assert.All(said.Split('\n', StringSplitOptions.RemoveEmptyEntries), line =>
            Assert.True((line.StartsWith("dotnet_", StringComparison.Ordinal) || line.StartsWith("process_", StringComparison.Ordinal)) && line.EndsWith("should not have \"_count\" suffix", StringComparison.Ordinal), line));
        var ours = string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith("dataflow_", StringComparison.Ordinal)
            || l.StartsWith("# HELP dataflow_", StringComparison.Ordinal) || l.StartsWith("# TYPE dataflow_", StringComparison.Ordinal))) + "\n";
        var (oursExit, oursSaid) = Promtool(promtool, ours);
        Assert.True(oursExit == 0 && oursSaid.Trim().Length == 0, $"promtool check metrics on the dataflow_* families: exit {oursExit}\n{oursSaid}");
    }

    private static (int Exit, string Said) Promtool(string promtool, string text)
    {
        using var p = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(text);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(60_000), "promtool did not finish within 60 s");
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }
}

/// <summary>A fact that runs where Debian's <c>prometheus</c> server is installed and is reported as skipped, with the
/// reason, elsewhere.</summary>
public sealed class PrometheusServerFactAttribute : FactAttribute
{
    public PrometheusServerFactAttribute()
    {
        if (PrometheusTools.Find("prometheus") is null)
        {
            Skip = "the prometheus server is not installed (apt-get install prometheus; .ci/run installs it)";
        }
    }
}
