using System.Diagnostics;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary>The <c>./dataflow</c> launcher that <c>make build</c> writes at the repository root.</summary>
public sealed class LauncherSpec
{
    [Fact]
    public async Task The_launcher_runs_a_job_from_any_working_directory()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dataflow.sln")))
        {
            root = root.Parent;
        }
        Assert.NotNull(root);
        var launcher = Path.Combine(root.FullName, "dataflow");
        Assert.True(File.Exists(launcher), $"{launcher} is missing: `make build` writes it");

        var psi = new ProcessStartInfo(launcher)
        {
            ArgumentList = { "run", "train", "--steps", "2", "--quiet" },
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Remove("DATAFLOW_NATIVE_DIR");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(limit.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        Assert.Contains("weights sha256", await stdout);
    }
}
