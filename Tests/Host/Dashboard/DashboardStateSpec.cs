using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Host.Dashboard;
using Json.Schema;
using Xunit;

namespace Dataflow.Tests.Host.Dashboard;

/// <summary>The dashboard's document from the coordinator's answers: rates from two polls, metric histories, ETA,
/// members without clients, ended jobs with their result, and the published schema.</summary>
public sealed class DashboardStateSpec
{
    private const string A = "127.0.0.1:4053";
    private const string B = "127.0.0.1:4054";
    private static readonly DateTime s_submitted = new(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);
    private static readonly long s_submittedMs = new DateTimeOffset(s_submitted).ToUnixTimeMilliseconds();

    private static ClusterStatus Status(long t, double cpuA, double busy, long done, double loss) => new(A,
        [
            new MemberInfo(B, "Up", ["compute"], true, 3),
            new MemberInfo(A, "Up", ["compute"], true, 5),
            new MemberInfo("127.0.0.1:40001", "Up", ["client"], true, 0),
        ],
        [new JobInfo("train-1", "train", "running", done, 100, new Dictionary<string, int> { [A] = 2, [B] = 2 }, 0,
            new Dictionary<string, double> { ["loss"] = loss, ["nodes"] = 2, ["bad"] = double.NaN })],
        [
            new NodeTelemetry(new NodeSample(A, 1_000_000, 2_000_000, t, cpuA),
                [new StageSample("train-1", "train", "w0", A, 10, busy, 5, 0, 0, 3, 1.5)]),
            new NodeTelemetry(new NodeSample(B, 3_000_000, 4_000_000, t), []),
        ],
        new ClusterTelemetry([], []));

    private static JobRecord[] Records(long done) =>
    [
        new JobRecord("train-1", "train", "running", done, 100, s_submitted.Ticks, 0, A, null, null, []),
        new JobRecord("train-0", "train", "completed", 3, 3, s_submitted.Ticks - TimeSpan.TicksPerMinute, s_submitted.Ticks, B,
            "{\"jobId\":\"train-0\"}", null, []),
    ];

    [Fact]
    public void Two_polls_give_rates_history_and_eta_and_follow_the_schema()
    {
        var state = new DashboardState(A, ActorRefs.Nobody);
        var t0 = s_submittedMs + 10_000;
        var first = state.Build(Status(t0, cpuA: 4.0, busy: 1.0, done: 10, loss: 2.5), Records(10), t0);
        Assert.All(first.Members, m => Assert.Null(m.CpuCores));
        Assert.Null(Assert.Single(first.Stages).BusyFraction);

        var t1 = t0 + 2_000;
        var second = state.Build(Status(t1, cpuA: 7.0, busy: 2.5, done: 20, loss: 1.5), Records(20), t1);
        // Clients are counted, not listed; members by address.
        Assert.Equal(new[] { A, B }, second.Members.Select(m => m.Address));
        Assert.Equal(1, second.Clients);
        // (7 - 4) CPU seconds over 2 s: 1.5 cores; B reports no CPU time.
        Assert.Equal(1.5, second.Members[0].CpuCores);
        Assert.Null(second.Members[1].CpuCores);
        Assert.Equal(3_000_000, second.Members[1].ManagedBytes);
        // (2.5 - 1.0) busy seconds over 2 s.
        Assert.Equal(0.75, Assert.Single(second.Stages).BusyFraction);

        var job = second.Jobs[0];
        Assert.Equal("train-1", job.JobId);
        Assert.Equal(A, job.DriverNode);
        Assert.Equal(new[] { new[] { 10.0, 2.5 }, new[] { 20.0, 1.5 } }, job.History["loss"]);
        Assert.Equal(1.5, job.Metrics["loss"]);
        Assert.False(job.History.ContainsKey("bad"));
        // 12 s for 20 of 100 units: 48 s to go.
        Assert.Equal(48.0, job.EtaSeconds);
        Assert.Null(job.EndedUnixMs);
        Assert.False(job.HasResult);

        var ended = second.Jobs[1];
        Assert.Equal("completed", ended.State);
        Assert.True(ended.HasResult);
        Assert.Null(ended.EtaSeconds);
        Assert.Equal(s_submittedMs, ended.EndedUnixMs);
        Assert.Equal(B, ended.DriverNode);

        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "dashboard.schema.json")));
        foreach (var document in new[] { first, second })
        {
            var json = document.ToJson();
            var evaluation = schema.Evaluate(JsonNode.Parse(json), new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(evaluation.IsValid, json + "\n" + string.Join("\n", evaluation.Details.Where(d => d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        }
        Assert.Equal(1, JsonDocument.Parse(second.ToJson()).RootElement.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public void A_unit_of_work_reported_again_replaces_its_point_and_a_forgotten_job_drops_its_history()
    {
        var state = new DashboardState(A, ActorRefs.Nobody);
        var t0 = s_submittedMs + 1_000;
        state.Build(Status(t0, 1, 1, done: 5, loss: 3.0), Records(5), t0);
        // A fail-over: step 5 again, with the restarted worker's loss.
        var again = state.Build(Status(t0 + 1000, 2, 2, done: 5, loss: 2.0), Records(5), t0 + 1000);
        Assert.Equal(new[] { new[] { 5.0, 2.0 } }, again.Jobs[0].History["loss"]);
        var gone = state.Build(Status(t0 + 2000, 3, 3, done: 6, loss: 1.0) with { Jobs = [] }, [], t0 + 2000);
        Assert.Empty(gone.Jobs);
        var back = state.Build(Status(t0 + 3000, 4, 4, done: 7, loss: 0.5), Records(7), t0 + 3000);
        Assert.Equal(new[] { new[] { 7.0, 0.5 } }, back.Jobs[0].History["loss"]);
    }

    [Fact]
    public void A_job_that_counts_inner_iterations_is_charted_against_them()
    {
        // fci: one unit of work, Davidson iterations over two symmetry blocks (each block's iteration starts at 1 again).
        static ClusterStatus Fci(double iteration, double iterations, double energy, double residual) => new(A,
            [new MemberInfo(A, "Up", ["compute"], true, 5)],
            [new JobInfo("fci-1", "fci", "running", 0, 1, new Dictionary<string, int> { [A] = 1 }, 0,
                new Dictionary<string, double> { ["energy"] = energy, ["residual"] = residual, ["iteration"] = iteration, ["iterations"] = iterations })],
            [new NodeTelemetry(new NodeSample(A, 1, 1, 0), [])],
            new ClusterTelemetry([], []));
        var state = new DashboardState(A, ActorRefs.Nobody);
        var reports = new[] { (1.0, 1.0, -1.0, 1e-1), (2.0, 2.0, -1.5, 1e-3), (1.0, 3.0, -0.5, 1e-1), (2.0, 4.0, -0.9, 1e-4) };
        DashboardDocument? last = null;
        var t = s_submittedMs;
        foreach (var (iteration, iterations, energy, residual) in reports)
        {
            t += 1000;
            last = state.Build(Fci(iteration, iterations, energy, residual), [], t);
        }
        var job = Assert.Single(last!.Jobs);
        Assert.Equal(new[] { new[] { 1.0, -1.0 }, new[] { 2.0, -1.5 }, new[] { 3.0, -0.5 }, new[] { 4.0, -0.9 } }, job.History["energy"]);
        Assert.Equal(new[] { 1.0, 2.0, 3.0, 4.0 }, job.History["residual"].Select(p => p[0]));
        Assert.False(job.History.ContainsKey("iterations"));
        Assert.Equal(4.0, job.Metrics["iterations"]);
    }

    [Fact]
    public void An_ended_jobs_log_adds_the_reports_between_two_polls()
    {
        var state = new DashboardState(A, ActorRefs.Nobody);
        var t0 = s_submittedMs + 1_000;
        state.Build(Status(t0, 1, 1, done: 5, loss: 3.0), Records(5), t0);
        // Steps 6 and 7 were reported and the job ended before the next poll: the coordinator's record has them.
        var log = new[]
        {
            new JobProgress("train-1", 5, 100, new Dictionary<string, double> { ["loss"] = 3.0 }, ""),
            new JobProgress("train-1", 6, 100, new Dictionary<string, double> { ["loss"] = 2.0 }, ""),
            new JobProgress("train-1", 7, 100, new Dictionary<string, double> { ["loss"] = 1.0 }, ""),
        };
        state.MergeLog(new JobRecord("train-1", "train", "completed", 7, 7, s_submitted.Ticks, s_submitted.Ticks + 1, A, "{}", null, log));
        var ended = state.Build(Status(t0 + 1000, 2, 2, done: 7, loss: 1.0) with { Jobs = [] },
            [new JobRecord("train-1", "train", "completed", 7, 7, s_submitted.Ticks, s_submitted.Ticks + 1, A, "{}", null, [])], t0 + 1000);
        Assert.Equal(new[] { new[] { 5.0, 3.0 }, new[] { 6.0, 2.0 }, new[] { 7.0, 1.0 } }, Assert.Single(ended.Jobs).History["loss"]);
    }
}
