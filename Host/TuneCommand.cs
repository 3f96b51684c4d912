using System.Globalization;
using Dataflow.Actors.Runtime;
using Dataflow.Tune;

namespace Dataflow.Host;

/// <summary><c>dataflow run tune</c>: auto-tuning the project's kernels for a model (FamilySeer).</summary>
internal sealed partial class TuneCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run tune [--model cnn|transformer|FILE.json] [--policy familyseer|one-model|per-task]
                                 [--grouping anchor|op-sequence] [--budget 2000] [--batch-size 16] [--measure-repeats 5]
                                 [--seed 1] [--threads N] [--log tune.jsonl] [--plot FILE.png|svg]
                                 [--cluster HOST:PORT] [--json FILE] [--quiet]

        Tunes the schedules (tiles, unroll, vector width, loop order, parallel split) of the model's kernels:
        a cost model of gradient-boosted trees per family of tasks guides an evolutionary search, a gradient
        task scheduler picks the task to tune, and tuning measurers on every node time the candidates
        (warm-up, repeats, median). The log's records are reused: a run with an existing --log resumes from
        it and never measures a recorded candidate again. `dataflow tune apply --log FILE` installs the best
        records, so that the tuned operators, md's lj/cut kernel and nqs's local energies of later runs and hosts
        run the best record for their shape (DATAFLOW_TUNE_LOG=FILE does it for one process).

          --model M            cnn (ResNet-like, 32x32 images), transformer (one block, 128 x 256) or a task list
          --policy P           familyseer (cost model per family, foresee tuning), one-model (Ansor) or per-task
          --grouping G         families by anchor operator or by op-sequence hash (default anchor)
          --budget N           new measurements at most (default 2000)
          --batch-size N       candidates per round (default 16)
          --measure-repeats N  timed repeats per candidate (default 5)
          --seed S             seed of the search and the cost models (default 1)
          --threads N          most threads a schedule may use (default: this machine's cores)
          --log FILE           JSONL records: read to resume, appended to as rounds finish
          --plot FILE          PNG or SVG of the best latency after each round against the measurements

        example: dataflow run tune --model cnn --budget 400 --log tune.jsonl --json tune.json
        """;

    /// <inheritdoc />
    public override string Verb => "tune";

    /// <inheritdoc />
    public override string Summary => "auto-tuning the project's kernels for a model with per-family cost models (FamilySeer)";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["model", "policy", "grouping", "budget", "batch-size", "measure-repeats", "seed", "threads", "log"];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        try
        {
            var builder = Job.Tune().Model(o.String("model") ?? "cnn").Policy(o.String("policy") ?? "familyseer")
                .Grouping(o.String("grouping") ?? "anchor").Budget(o.Int("budget", 2000)).BatchSize(o.Int("batch-size", 16))
                .MeasureRepeats(o.Int("measure-repeats", 5)).Seed(o.Int("seed", 1)).Threads(o.Int("threads", Environment.ProcessorCount));
            if (o.String("log") is { } log)
            {
                builder.ResumeFrom(log);
            }
            return builder.Build();
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException($"--model: {e.Message}");
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid tune job: --{e.ParamName ?? "model"}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o) =>
        o.String("log") is { } log ? [new OutputPath("log", log)] : [];

    /// <inheritdoc />
    public override Action<JobOutput>? Output(ParsedOptions o)
    {
        if (o.String("log") is not { } log)
        {
            return null;
        }
        // Appended, never truncated: the file is also what the next run resumes from.
        return output =>
        {
            if (output.Stream == Actors.Tune.TuneDriver.LogStream)
            {
                using var file = new FileStream(log, FileMode.Append, FileAccess.Write);
                file.Write(output.Data);
            }
        };
    }

    /// <inheritdoc />
    public override void WriteSummary(JobResult r, ParsedOptions? options, TextWriter output)
    {
        var result = r.As<TuneResult>();
        output.WriteLine(Invariant($"""
            workload          tune
            model             {result.Model}
            policy            {result.Policy} (families by {result.Grouping})
            measurements      {result.Measurements} ({string.Join(", ", result.Nodes.Select(n => $"{n.Node}: {n.Measurements}"))})
            latency           {Latency(result)}
            seconds           {result.Seconds:F1}
            """));
        output.WriteLine(Invariant($"  {"task",-40} {"family",-22} {"w",2} {"untuned ms",11} {"best ms",9} {"speedup",7} {"n",4}  best schedule"));
        // A task the budget never reached has no measurement: a dash, not a speedup of 0.
        static string Ms(double seconds, int width) =>
            (seconds > 0 ? (seconds * 1e3).ToString("F4", CultureInfo.InvariantCulture) : "-").PadLeft(width);
        foreach (var t in result.Tasks)
        {
            var speedup = t.BestSeconds > 0 && t.UntunedSeconds > 0
                ? (t.UntunedSeconds / t.BestSeconds).ToString("F2", CultureInfo.InvariantCulture)
                : "-";
            output.WriteLine(Invariant($"  {t.Task,-40} {t.Family,-22} {t.Weight,2} {Ms(t.UntunedSeconds, 11)} {Ms(t.BestSeconds, 9)} {speedup,7} {t.Measurements,4}  {t.BestSchedule}"));
        }
        // What this process's kernels run (an embedded run's, or a later run's on this machine): records that
        // `dataflow tune apply` installed or DATAFLOW_TUNE_LOG names, not this run's log until it is applied.
        if (Kernels.Tune.TunedSchedules.StartupLog is { } installed)
        {
            var inUse = result.Tasks.Count(t => Kernels.Tune.TunedSchedules.Recorded(t.Task) is not null);
            output.WriteLine(Invariant(
                $"applied           {Kernels.Tune.TunedSchedules.Count} task records from {installed}; {inUse} of the model's {result.Tasks.Length} tasks run one"));
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("tune", "tuned vs untuned dense and conv2d at the models' shapes, and tuned dense vs OpenBLAS sgemm",
            (w, _) => { Bench.TuneBench.Kernels(w, 300); return Task.CompletedTask; }),
        new("tunesearch", "FamilySeer vs one-model: measurements and seconds to reach the baseline's latency (3 seeds)",
            (w, _) => { Bench.TuneBench.Search(w, 300); return Task.CompletedTask; }),
        new("tunescale", "one tuning measurer process against two, each pinned to its own core: measurements per second",
            (w, _) => Bench.TuneScaleBench.Measurers(w)),
    ];

    // The model's latency is a sum over all its tasks: until the budget has reached every one there is none to print.
    private static string Latency(TuneResult result) => result.BestLatencySeconds > 0 && result.UntunedLatencySeconds > 0
        ? Invariant($"{result.BestLatencySeconds * 1e3:F3} ms tuned, {result.UntunedLatencySeconds * 1e3:F3} ms untuned ({result.Speedup:F2}x)")
        : Invariant($"- ({result.Tasks.Count(t => t.Measurements > 0)} of the model's {result.Tasks.Length} tasks measured: a larger --budget reaches every one)");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
