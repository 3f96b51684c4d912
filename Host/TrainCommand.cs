using System.Globalization;
using Dataflow.Kernels.Train;
using Dataflow.Train;

namespace Dataflow.Host;

/// <summary><c>dataflow run train</c>: elastic, deterministic data-parallel training.</summary>
internal static class TrainCommand
{
    private const string Usage = """
        usage: dataflow run train [--model mlp|cnn] [--logical-workers N] [--steps S] [--seed K]
                                  [--checkpoint-every K] [--checkpoint-dir DIR] [--batch B] [--lr RATE]
                                  [--intra-op-threads T] [--cluster HOST:PORT] [--json FILE] [--quiet]

        Trains a small network data-parallel over N logical workers. The result (weightsSha256) is the same
        bits however many hosts run it and whether hosts join, leave or crash on the way.

          --model              mlp (teacher-labelled vectors) or cnn (drawn 16x16 images); default mlp
          --logical-workers N  logical workers, fixed by the job (default 4)
          --steps S            global optimiser steps (default 100)
          --seed K             seed of data, initial weights and every worker's random stream (default 1)
          --checkpoint-every K checkpoint every K steps and on membership changes (default 10)
          --checkpoint-dir DIR also write checkpoints as files there
          --batch B            samples per logical worker per step (default 16)
          --lr RATE            peak AdamW learning rate (default 3e-3)
          --intra-op-threads T libtorch threads per logical worker (default 1; part of the determinism contract)
          --cluster H:P        run on a running cluster instead of an embedded one
          --json FILE          write the result as JSON

        example: dataflow run train --model cnn --logical-workers 8 --steps 200 --json result.json
        """;

    private static readonly Dictionary<string, TrainModelKind> s_models = new()
    {
        ["mlp"] = TrainModelKind.Mlp,
        ["cnn"] = TrainModelKind.Cnn,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args,
            ["model", "logical-workers", "steps", "seed", "checkpoint-every", "checkpoint-dir", "batch", "lr",
             "intra-op-threads", .. Program.ClusterOptions, "json"],
            ["quiet"], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var defaults = new TrainJobBuilder();
        TrainJob job;
        try
        {
            job = defaults
                .Model(o.Choice("model", s_models, TrainModelKind.Mlp))
                .LogicalWorkers(o.Int("logical-workers", 4))
                .Steps(o.Int("steps", 100))
                .Seed(o.Long("seed", 1))
                .CheckpointEvery(o.Int("checkpoint-every", 10))
                .CheckpointDirectory(o.String("checkpoint-dir"))
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

        var result = await RunCommand.ExecuteAsync(o, job, p =>
            string.Create(CultureInfo.InvariantCulture,
                $"loss {p.Metrics.GetValueOrDefault("loss", double.NaN):F4}  nodes {p.Metrics.GetValueOrDefault("nodes"):0}  {p.Note}"));
        var r = result.As<TrainResult>();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          train ({r.Model})
            steps             {r.Steps}
            logical workers   {r.LogicalWorkers}
            final loss        {r.FinalLoss:F6}
            weights sha256    {r.WeightsSha256}
            placement changes {r.PlacementChanges}
            seconds           {r.Seconds:F2}
            """));
        return 0;
    }
}
