using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>Runs a <c>dataflow run ...</c> job against local hosts and SIGKILLs one of them mid-run.</summary>
internal static class RunWithKilledHost
{
    /// <summary>Runs <paramref name="job"/> through host <paramref name="via"/> with <c>--json</c>, SIGKILLs host
    /// <paramref name="victim"/> once a progress line ("done/total ...", printed every tenth when not interactive)
    /// reports at least <paramref name="killAt"/>, echoes the progress and the hosts' logs, asserts that the run
    /// succeeded after exactly one kill, and returns its result JSON.</summary>
    public static async Task<JsonElement> RunAsync(LocalHosts hosts, string[] job, int via, int victim, long killAt,
        string jsonPath, TimeSpan limit, ITestOutputHelper output)
    {
        var killed = 0;
        var run = await LocalHosts.RunCliAsync([.. job, "--cluster", $"127.0.0.1:{hosts.Ports[via]}", "--json", jsonPath],
            limit, line =>
            {
                output.WriteLine(line);
                var slash = line.IndexOf('/');
                if (slash > 0 && long.TryParse(line[..slash], out var done) && done >= killAt &&
                    Interlocked.Exchange(ref killed, 1) == 0)
                {
                    hosts.Kill(victim);
                }
            });
        foreach (var line in hosts.Log)
        {
            output.WriteLine(line);
        }
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(1, killed);
        return JsonDocument.Parse(File.ReadAllText(jsonPath)).RootElement;
    }
}
