using System.Text.Json;
using Dataflow.Host;
using Dataflow.Kernels.Tune;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow tune apply</c> through the command line: the best record per task, where it is used, the
/// records written or installed, and bad logs refused with file:line.</summary>
public sealed class TuneApplyProcessSpec
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    private static TuneRecord Record(string task, string schedule, double seconds) =>
        new(task, schedule, seconds, 5, "127.0.0.1:4053", TuneRecord.DescribeMachine());

    private static readonly TuneRecord[] s_log =
    [
        Record("dense[8x16x8]", "t0x0x0-u1-v0-o0-c0-p1", 4e-6),
        Record("dense[8x16x8]", "t0x0x0-u2-v1-o0-c4-p1", 1e-6),
        Record("dense[8x16x8]", "t0x0x0-u4-v1-o1-c0-p1", 2e-6),
        Record("reduction[300x65]", "t0x0x0-u1-v0-o0-c16-p2", 3e-6),
        Record("lj_pair[256x25]", "t0x0x0-u0-v0-o0-c512-p2", 2e-4),
        Record("lj_pair[256x25]", "t0x0x0-u0-v0-o0-c128-p2", 3e-4),
    ];

    [Fact]
    public async Task Apply_prints_the_best_record_of_each_task_and_writes_only_those()
    {
        var dir = Directory.CreateTempSubdirectory("tune-apply-");
        try
        {
            var log = Path.Combine(dir.FullName, "tune.jsonl");
            TuneRecord.Append(log, s_log);
            var output = Path.Combine(dir.FullName, "best.jsonl");
            var run = await LocalHosts.RunCliAsync(["tune", "apply", "--log", log, "--out", output], s_limit);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("6 records of 3 tasks", run.Stdout);
            var lines = run.Stdout.Split('\n');
            Assert.Contains(lines, l => l.Contains("dense[8x16x8]") && l.Contains("t0x0x0-u2-v1-o0-c4-p1") && l.Contains("TunedOperators.Dense"));
            Assert.Contains(lines, l => l.Contains("reduction[300x65]") && l.Contains("nqs local energies with 64 connected"));
            Assert.Contains(lines, l => l.Contains("lj_pair[256x25]") && l.Contains("t0x0x0-u0-v0-o0-c512-p2") && l.Contains("md lj/cut pair kernel, 256 atoms, cutoff 2.5 sigma"));
            Assert.Contains($"DATAFLOW_TUNE_LOG={output}", run.Stdout);

            var written = TuneRecord.ReadLog(output);
            Assert.Equal(["dense[8x16x8]", "lj_pair[256x25]", "reduction[300x65]"], written.Select(r => r.Task));
            Assert.Equal([1e-6, 2e-4, 3e-6], written.Select(r => r.MedianSeconds));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Apply_installs_for_later_runs_which_then_run_the_records()
    {
        var dir = Directory.CreateTempSubdirectory("tune-install-");
        try
        {
            var config = Path.Combine(dir.FullName, "config");
            var environment = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = config, [TunedSchedules.EnvironmentVariable] = null };
            var log = Path.Combine(dir.FullName, "tune.jsonl");
            TuneRecord.Append(log, s_log);
            var run = await LocalHosts.RunCliAsync(["tune", "apply", "--log", log], s_limit, environment: environment);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var installed = Path.Combine(config, "dataflow", "tuned.jsonl");
            Assert.Contains($"installed 3 task records in {installed}", run.Stdout);

            // A second log merges: a faster record replaces the installed one, a slower one does not.
            var second = Path.Combine(dir.FullName, "second.jsonl");
            TuneRecord.Append(second, [Record("dense[8x16x8]", "t0x0x0-u1-v1-o0-c0-p1", 5e-7), Record("lj_pair[256x25]", "t0x0x0-u0-v0-o0-c64-p2", 9e-4),
                Record("softmax[16x32]", "t0x0x0-u2-v1-o0-c0-p1", 1e-6)]);
            run = await LocalHosts.RunCliAsync(["tune", "apply", "--log", second], s_limit, environment: environment);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("installed 4 task records", run.Stdout);
            var records = TuneRecord.ReadLog(installed).ToDictionary(r => r.Task, r => r.Schedule);
            Assert.Equal("t0x0x0-u1-v1-o0-c0-p1", records["dense[8x16x8]"]);
            Assert.Equal("t0x0x0-u0-v0-o0-c512-p2", records["lj_pair[256x25]"]);
            Assert.Equal("t0x0x0-u1-v0-o0-c16-p2", records["reduction[300x65]"]);

            // A later run loads them: its kernels run the installed record of the model's dense task.
            var model = Path.Combine(dir.FullName, "model.json");
            File.WriteAllText(model, JsonSerializer.Serialize(new
            {
                name = "two",
                tasks = new object[]
                {
                    new { name = "fc", op = "dense", shape = new[] { 8, 16, 8 } },
                    new { name = "sm", op = "softmax", shape = new[] { 4, 8 } },
                },
            }));
            run = await LocalHosts.RunCliAsync(["run", "tune", "--model", model, "--budget", "4", "--batch-size", "4", "--measure-repeats", "1", "--threads", "1"],
                s_limit, environment: environment);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains($"applied           4 task records from {installed}; 1 of the model's 2 tasks run one", run.Stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_line_is_refused_with_file_and_line_before_anything_is_written()
    {
        var dir = Directory.CreateTempSubdirectory("tune-bad-");
        try
        {
            var log = Path.Combine(dir.FullName, "tune.jsonl");
            TuneRecord.Append(log, s_log.Take(2));
            File.AppendAllText(log, "{\"task\":\"dense[8x16]\",\"schedule\":\"t0x0x0-u1-v0-o0-c0-p1\",\"medianSeconds\":1e-6,\"repeats\":1,\"node\":\"n\",\"machine\":\"m\"}\n");
            var output = Path.Combine(dir.FullName, "best.jsonl");
            var run = await LocalHosts.RunCliAsync(["tune", "apply", "--log", log, "--out", output], s_limit);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{log}:3:", run.Stderr);
            Assert.Contains("3 shape values", run.Stderr);
            Assert.False(File.Exists(output));

            File.WriteAllText(log, "{\"task\":\"dense[8x16x8]\",\"schedule\":\"fast\",\"medianSeconds\":1e-6}\n");
            run = await LocalHosts.RunCliAsync(["tune", "apply", "--log", log, "--out", output], s_limit);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{log}:1:", run.Stderr);
            Assert.Contains("not a schedule key", run.Stderr);

            run = await LocalHosts.RunCliAsync(["tune", "apply", "--out", output], s_limit);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("needs --log", run.Stderr);
            Assert.False(File.Exists(output));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
