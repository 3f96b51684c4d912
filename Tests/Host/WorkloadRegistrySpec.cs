using System.Text.RegularExpressions;
using Dataflow.Actors.Runtime;
using Dataflow.Host;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary>The verbs of <c>run</c>, <c>bench</c> and the README come from one registry: every registered workload has
/// a command-line verb, help and a row in the README's table, and no verb lacks a workload.</summary>
public sealed class WorkloadRegistrySpec
{
    private static readonly string[] s_shipped = ["dp-train", "fci", "fl", "har", "har-train", "md", "nqs", "sft", "train", "tune"];

    [Fact]
    public async Task Run_help_lists_exactly_the_registered_workloads_and_each_verb_has_help()
    {
        Assert.Subset(Workloads.Names.ToHashSet(), s_shipped.ToHashSet());
        var help = await LocalHosts.RunCliAsync(["run", "--help"], TimeSpan.FromMinutes(1));
        Assert.Equal(0, help.ExitCode);
        var listed = Regex.Matches(help.Stdout, @"^  ([\w-]+)\s{2,}", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .Where(v => !v.StartsWith("--", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(s_shipped, listed.Order().ToArray());
        foreach (var verb in s_shipped)
        {
            var verbHelp = await LocalHosts.RunCliAsync(["run", verb, "--help"], TimeSpan.FromMinutes(1));
            Assert.Equal(0, verbHelp.ExitCode);
            Assert.Contains($"usage: dataflow run {verb}", verbHelp.Stdout);
        }
        var unknown = await LocalHosts.RunCliAsync(["run", "nosuch"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown workload 'nosuch'", unknown.Stderr);
    }

    [Fact]
    public async Task Bench_sections_come_from_the_runtime_and_the_workloads()
    {
        var help = await LocalHosts.RunCliAsync(["bench", "--help"], TimeSpan.FromMinutes(1));
        Assert.Equal(0, help.ExitCode);
        foreach (var section in new[] { "reduction", "hosts", "serialization", "kernels", "fci", "nqs", "nqsrun", "md", "mdrun", "spce", "longrange", "tune", "tunesearch", "tunescale", "harflow", "harstream", "sft", "sftmemory", "sftmimose", "sftskrull", "fl", "dp" })
        {
            Assert.Matches($@"(?m)^  {section}\s", help.Stdout);
        }
        var wrong = await LocalHosts.RunCliAsync(["bench", "--only", "nosuch"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, wrong.ExitCode);
    }

    [Fact]
    public void The_README_workload_table_has_a_row_for_every_shipped_workload()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var table = readme[readme.IndexOf("## Workloads", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var rows = Regex.Matches(table, @"^\| `([\w-]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order().ToArray();
        Assert.Equal(s_shipped, rows);
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Dataflow.sln")))
            {
                return d.FullName;
            }
        }
        throw new DirectoryNotFoundException("no Dataflow.sln above the test folder");
    }
}
