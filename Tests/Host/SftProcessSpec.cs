using System.Text.Json;
using Dataflow.Host;
using Dataflow.Tests.Dataflow;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run sft</c> as a user runs it: bad input, and the weights embedded against three host processes
/// with one killed.</summary>
public sealed class SftProcessSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(6);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dataflow-sft-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("{\"tokens\": [1, 2]}\n{\"tokens\": [1,\n", new string[0], "bad.jsonl:2: not JSON")]
    [InlineData("{\"tokens\": [1, 2]}\n{\"tokens\": [7, 999]}\n", new string[0], "bad.jsonl:2: token id 999 (token 1) is outside the vocabulary [0, 256)")]
    [InlineData("", new string[0], "bad.jsonl: empty: no sequences")]
    [InlineData("{\"tokens\": [1, 2]}\n", new[] { "--chunk-size", "0" }, "--chunk-size must be in [1, 16384] (the model's context); got 0")]
    [InlineData("{\"tokens\": [1, 2]}\n", new[] { "--chunk-size", "20000" }, "--chunk-size must be in [1, 16384] (the model's context); got 20000")]
    [InlineData("{\"tokens\": [1, 2]}\n", new[] { "--memory-budget", "1MiB" }, "--memory-budget 1048576 bytes is below one chunk's need")]
    [InlineData("{\"tokens\": [1, 2]}\n", new[] { "--memory-budget", "lots" }, "--memory-budget lots: expected a size")]
    [InlineData("{\"tokens\": [1, 2]}\n", new[] { "--layer-checkpointing", "mimose" }, "--layer-checkpointing mimose plans under a memory budget: give --memory-budget")]
    [InlineData("{\"tokens\": [1, 2]}\n", new[] { "--layer-checkpointing", "mimose", "--memory-budget", "1MiB" }, "--memory-budget 1048576 bytes is below one layer's need")]
    public async Task Bad_input_is_one_error_naming_the_file_line_or_option_with_exit_code_2(string content, string[] options, string expected)
    {
        var path = Path.Combine(_dir.FullName, "bad.jsonl");
        File.WriteAllText(path, content);
        var run = await LocalHosts.RunCliAsync(["run", "sft", "--data", path, "--tokenizer", "bytes", .. options], TimeSpan.FromMinutes(2));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Heavy")]
    public async Task Weights_after_50_steps_are_identical_embedded_and_on_three_hosts_with_one_killed()
    {
        var data = SftWorkloadSpec.WriteJsonLines(Path.Combine(_dir.FullName, "walk.jsonl"), SftWorkloadSpec.WalkSequences(40));
        string[] job = ["run", "sft", "--data", data, "--tokenizer", "bytes", "--chunk-size", "128", "--k", "1", "--batch", "6",
            "--logical-workers", "3", "--steps", "50", "--checkpoint-every", "5", "--seed", "4"];
        var embeddedJson = Path.Combine(_dir.FullName, "embedded.json");
        var embedded = await LocalHosts.RunCliAsync([.. job, "--json", embeddedJson, "--quiet"], s_limit);
        Assert.True(embedded.ExitCode == 0, embedded.Stderr);

        using var hosts = new LocalHosts();
        for (var i = 0; i < 3; i++)
        {
            await hosts.StartAsync();
        }
        var b = await RunWithKilledHost.RunAsync(hosts, job, via: 1, victim: 0, killAt: 15,
            Path.Combine(_dir.FullName, "cluster.json"), s_limit, output);
        var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;
        Assert.Equal(50, b.GetProperty("steps").GetInt64());
        Assert.Equal(a.GetProperty("weightsSha256").GetString(), b.GetProperty("weightsSha256").GetString());
        Assert.Equal(a.GetProperty("finalLoss").GetDouble(), b.GetProperty("finalLoss").GetDouble());
        Assert.Equal(a.GetProperty("tokens").GetInt64(), b.GetProperty("tokens").GetInt64());
        Assert.True(b.GetProperty("placementChanges").GetInt32() >= 1, b.ToString());
    }
}
