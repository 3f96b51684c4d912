using System.Text.Json;
using Dataflow.Host;
using Dataflow.Kernels.Tune;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run tune</c> on three host processes, one of them SIGKILLed mid-tuning.</summary>
public sealed class TuneProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(5);

    /// <summary>The measurer of the killed host loses only the candidates it had not answered: the driver sends those
    /// to the survivors, so the run ends with exactly its budget of distinct records, the killed host's answered ones
    /// among them, and the log holds every record once, each line a whole record.</summary>
    [Fact]
    [Trait("Category", "Heavy")]
    public async Task A_host_killed_mid_tuning_loses_only_its_in_flight_measurements()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-tune-kill-");
        try
        {
            // The transformer block's attention at a quarter of its width: the same operators, short measurements.
            var model = Path.Combine(dir.FullName, "attention.json");
            File.WriteAllText(model, JsonSerializer.Serialize(new
            {
                name = "attention",
                tasks = new object[]
                {
                    new { name = "qkv", op = "dense", shape = new[] { 32, 192, 64 }, ops = new[] { "dense", "bias_add" } },
                    new { name = "scores", op = "dense", shape = new[] { 32, 32, 16 }, ops = new[] { "dense", "scale" }, weight = 4 },
                    new { name = "softmax", op = "softmax", shape = new[] { 128, 32 }, ops = new[] { "softmax" } },
                    new { name = "ln", op = "reduction", shape = new[] { 32, 64 }, ops = new[] { "reduction", "layer_norm" }, weight = 2 },
                },
            }));
            var log = Path.Combine(dir.FullName, "tune.jsonl");
            const int budget = 96;
            string[] job = ["run", "tune", "--model", model, "--budget", "96", "--batch-size", "8", "--measure-repeats", "2",
                "--threads", "1", "--log", log];

            using var hosts = new LocalHosts();
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync();
            }
            // Host 0 founded the cluster and runs the driver; host 2 is killed once a third of the budget is recorded,
            // just as the next round's candidates went out to every measurer.
            var result = await RunWithKilledHost.RunAsync(hosts, job, via: 1, victim: 2, killAt: budget / 3,
                Path.Combine(dir.FullName, "result.json"), s_runLimit, output);

            Assert.Equal(budget, result.GetProperty("measurements").GetInt32());
            var lines = File.ReadAllLines(log).Where(l => l.Length > 0).ToArray();
            var records = TuneRecord.ReadLog(log);
            Assert.Equal(budget, lines.Length);
            Assert.Equal(budget, records.Count);
            Assert.Equal(budget, records.Select(r => (r.Task, r.Schedule)).Distinct().Count());

            var victim = $":{hosts.Ports[2]}";
            var byVictim = records.Count(r => r.Node.EndsWith(victim, StringComparison.Ordinal));
            var survivors = records.Count - byVictim;
            output.WriteLine($"records by the killed host {byVictim}, by the survivors {survivors}");
            Assert.True(byVictim > 0, "the killed host measured nothing before it was killed");
            // It was killed with a third to a half of the budget recorded; the rest is the survivors'.
            Assert.True(byVictim <= budget / 2, $"the killed host has {byVictim} records of {budget}");
            var nodes = result.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!,
                n => n.GetProperty("measurements").GetInt32());
            Assert.Equal(3, nodes.Count);
            Assert.Equal(budget, nodes.Values.Sum());
            Assert.Equal(byVictim, nodes.Single(kv => kv.Key.EndsWith(victim, StringComparison.Ordinal)).Value);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
