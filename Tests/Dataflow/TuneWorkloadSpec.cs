using System.Text.Json;
using Dataflow.Host;
using Dataflow.Kernels.Tune;
using Dataflow.Tune;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary><c>tune</c> as a job: measurers through the runtime, the log it writes, and a run resumed from it.</summary>
[Collection(Tests.Kernels.Tune.TunedSchedulesCollection.Name)]
public sealed class TuneWorkloadSpec
{
    // The transformer block's attention, at a quarter of its width: the same operators, a fraction of the time.
    private static readonly TuneModel s_small = new("attention", [
        new("qkv", TuneOperator.Dense, [32, 192, 64], ["dense", "bias_add"]),
        new("scores", TuneOperator.Dense, [32, 32, 16], ["dense", "scale"], 4),
        new("softmax", TuneOperator.Softmax, [128, 32], ["softmax"]),
        new("out", TuneOperator.Dense, [32, 64, 64], ["dense", "bias_add", "add"]),
        new("ln", TuneOperator.Reduction, [32, 64], ["reduction", "layer_norm"], 2),
    ]);

    [Fact]
    public async Task An_embedded_run_tunes_attention_and_a_resumed_run_measures_only_new_candidates()
    {
        var log = Path.Combine(Path.GetTempPath(), $"tune-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var cluster = await DataflowCluster.StartEmbeddedAsync();
            var first = (await cluster.RunAsync(Job.Tune().Model(s_small).Budget(32).BatchSize(8).MeasureRepeats(2).Build(),
                progress: null, output: o => File.AppendAllBytes(log, o.Data))).As<TuneResult>();
            Assert.Equal(32, first.Measurements);
            Assert.Equal(5, first.Tasks.Length);
            Assert.All(first.Tasks, t => Assert.True(t.BestSeconds > 0 && t.BestSeconds <= t.UntunedSeconds, $"{t.Task}: {t.BestSeconds} vs {t.UntunedSeconds}"));
            // The end-to-end latency is the weighted sum of the tasks' times.
            Assert.Equal(first.Tasks.Sum(t => t.Weight * t.BestSeconds), first.BestLatencySeconds, 12);
            Assert.Equal(first.Tasks.Sum(t => t.Weight * t.UntunedSeconds), first.UntunedLatencySeconds, 12);
            Assert.True(first.BestLatencySeconds < first.UntunedLatencySeconds);
            var recorded = TuneRecord.ReadLog(log);
            Assert.Equal(32, recorded.Count);
            Assert.All(recorded, r => Assert.False(string.IsNullOrEmpty(r.Machine)));

            var resumed = (await cluster.RunAsync(Job.Tune().Model(s_small).Budget(16).BatchSize(8).MeasureRepeats(2).ResumeFrom(log).Build(),
                progress: null, output: o => File.AppendAllBytes(log, o.Data))).As<TuneResult>();
            Assert.Equal(16, resumed.Measurements);
            Assert.Equal(32, resumed.Inputs.PreviousRecords);
            var all = TuneRecord.ReadLog(log);
            Assert.Equal(48, all.Count);
            Assert.Equal(48, all.Select(r => (r.Task, r.Schedule)).Distinct().Count());
            Assert.True(resumed.BestLatencySeconds <= first.BestLatencySeconds);

            // The tuned operators now run the best record for their shape.
            Assert.True(TunedSchedules.Apply(log) >= 5);
            var qkv = s_small.Tasks[0];
            var best = all.Where(r => r.Task == qkv.Key).MinBy(r => r.MedianSeconds)!;
            Assert.Equal(best.Schedule, TunedSchedules.For(qkv, 2).Key);
        }
        finally
        {
            TunedSchedules.Clear();
            File.Delete(log);
        }
    }

    [Fact]
    public async Task A_bad_model_file_is_refused_naming_the_file_and_task()
    {
        var path = Path.Combine(Path.GetTempPath(), $"model-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, JsonSerializer.Serialize(new { name = "m", tasks = new object[] { new { name = "fc", op = "dense", shape = new[] { 4, 4 } } } }));
            var run = await LocalHosts.RunCliAsync(["run", "tune", "--model", path], TimeSpan.FromSeconds(60));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}: tasks[0]", run.Stderr);
            Assert.Contains("3 shape values", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
