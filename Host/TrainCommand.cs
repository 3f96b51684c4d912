using System.Globalization;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Train;
using Dataflow.Train;

namespace Dataflow.Host;

/// <summary><c>dataflow run train</c>: elastic, deterministic data-parallel training.</summary>
internal sealed class TrainCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run train [--model mlp|cnn] [--logical-workers N] [--steps S] [--seed K]
                                  [--checkpoint-every K] [--checkpoint-dir DIR] [--resume FILE|DIR] [--batch B]
                                  [--lr RATE] [--intra-op-threads T] [--plot FILE.png|svg] [--cluster HOST:PORT]
                                  [--json FILE] [--quiet]

        Trains a small network data-parallel over N logical workers. The result (weightsSha256) is the same
        bits however many hosts run it and whether hosts join, leave or crash on the way.

          --model              mlp (teacher-labelled vectors) or cnn (drawn 16x16 images); default mlp
          --logical-workers N  logical workers, fixed by the job (default 4)
          --steps S            global optimiser steps (default 100)
          --seed K             seed of data, initial weights and every worker's random stream (default 1)
          --checkpoint-every K checkpoint every K steps and on membership changes (default 10)
          --checkpoint-dir DIR also keep checkpoints as files: this process writes each one it receives to
                               DIR/JOB-ID/step-NNNNNNNN.ckpt, embedded or with --cluster alike (hosts keep
                               theirs under their own --work-dir, never at a path a client names)
          --resume FILE|DIR    start from a checkpoint read here: a .ckpt file, or the latest step-*.ckpt under
                               DIR; it travels with the job, and the result is the uninterrupted run's
          --batch B            samples per logical worker per step (default 16)
          --lr RATE            peak AdamW learning rate (default 3e-3)
          --intra-op-threads T libtorch threads per logical worker (default 1; part of the determinism contract)
          --plot FILE          PNG or SVG of the training loss (mean over the logical workers) at every step
          --cluster H:P        run on a running cluster instead of an embedded one
          --json FILE          write the result as JSON

        examples: dataflow run train --model cnn --logical-workers 8 --steps 200 --json result.json
                  dataflow run train --steps 200 --checkpoint-dir ck --cluster 127.0.0.1:4053
                  dataflow run train --steps 400 --resume ck
        """;

    private static readonly Dictionary<string, TrainModelKind> s_models = new()
    {
        ["mlp"] = TrainModelKind.Mlp,
        ["cnn"] = TrainModelKind.Cnn,
    };

    /// <inheritdoc />
    public override string Verb => "train";

    /// <inheritdoc />
    public override string Summary => "elastic, deterministic data-parallel training (EasyScale)";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["model", "logical-workers", "steps", "seed", "checkpoint-every", "checkpoint-dir", "resume", "batch", "lr", "intra-op-threads"];

    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) =>
        Host.Plot.WorkloadCharts.Train(result.As<TrainResult>(), progress);

    /// <inheritdoc />
    /// <remarks>The checkpoint directory is the client's, embedded or with <c>--cluster</c>.</remarks>
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o) =>
        o.String("checkpoint-dir") is { } dir
            ? [new OutputPath("checkpoint-dir", dir, IsDirectory: true, CreatesDirectories: true)]
            : [];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        try
        {
            return new TrainJobBuilder()
                .Model(o.Choice("model", s_models, TrainModelKind.Mlp))
                .LogicalWorkers(o.Int("logical-workers", 4))
                .Steps(o.Int("steps", 100))
                .Seed(o.Long("seed", 1))
                .CheckpointEvery(o.Int("checkpoint-every", 10))
                .CheckpointDirectory(o.String("checkpoint-dir"))
                .ResumeFrom(o.String("resume"))
                .Settings(s => s with
                {
                    BatchPerWorker = o.Int("batch", s.BatchPerWorker),
                    LearningRate = o.Double("lr", s.LearningRate),
                    IntraOpThreads = o.Int("intra-op-threads", s.IntraOpThreads),
                })
                .Build();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid train job: {e.Message}");
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new UsageException($"--resume: {e.Message}");
        }
    }

    /// <inheritdoc />
    public override Action<JobOutput>? CheckpointWriter(string directory) => output =>
    {
        if (output.Stream == JobFiles.CheckpointStream)
        {
            TrainJob.WriteCheckpoint(directory, output.JobId, output.Data);
        }
    };

    /// <inheritdoc />
    public override string ProgressLine(JobProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"loss {p.Metrics.GetValueOrDefault("loss", double.NaN):F4}  nodes {p.Metrics.GetValueOrDefault("nodes"):0}  {p.Note}");

    /// <inheritdoc />
    public override void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output)
    {
        var r = result.As<TrainResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          train ({r.Model})
            steps             {r.Steps}
            logical workers   {r.LogicalWorkers}
            final loss        {r.FinalLoss:F6}
            weights sha256    {r.WeightsSha256}
            placement changes {r.PlacementChanges}
            seconds           {r.Seconds:F2}
            """));
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("reduction", "train steps/s with the deterministic logical-order reduction vs arrival order",
            (w, o) => Bench.TrainBench.Reduction(w, 2 * o.Int("steps", 150))),
        new("hosts", "train steps/s on one host process vs two", (w, o) => Bench.TrainBench.Hosts(w, o.Int("steps", 150))),
    ];
}
