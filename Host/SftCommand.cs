using System.Globalization;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Input;
using Dataflow.Kernels.Sft;
using Dataflow.Sft;

namespace Dataflow.Host;

/// <summary><c>dataflow run sft</c>: long-context fine-tuning of a causal LM on chunk-scheduler actors (ChunkFlow).</summary>
internal sealed partial class SftCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run sft [--data FILE.jsonl|FILE.parquet | --synthetic lmsys|chatqa2] [--tokenizer gpt2|bytes]
                                [--model tiny|small] [--schedule chunkflow|padded|packed] [--chunk-size T] [--k K]
                                [--batch B] [--logical-workers W] [--micro-batch M] [--memory-budget SIZE]
                                [--layer-checkpointing none|all|mimose]
                                [--steps N] [--seed K] [--lr RATE] [--intra-op-threads T] [--checkpoint-every K]
                                [--checkpoint-dir DIR] [--plot FILE.png|svg] [--cluster HOST:PORT] [--json FILE] [--quiet]

        Fine-tunes a causal transformer LM on sequences of long-tailed lengths. ChunkFlow packs short sequences into
        chunks of one size and splits long ones into dependent chunks; it keeps the activations of K chunks and the
        keys/values of earlier chunks, recomputes the rest, and gives the whole-sequence gradients. Logical workers
        (trainers) are placed over the cluster's chunk schedulers: weightsSha256 does not depend on how many hosts ran.

          --data FILE          JSON Lines of {"tokens": [...]} or {"text": "..."}, or Parquet with a tokens or text column
          --synthetic MIX      lmsys (87 % under 1K tokens) or chatqa2 (22 % under 1K), 16 to 16,384 tokens (default lmsys)
          --tokenizer T        gpt2 (50,257 ids) or bytes (256 ids) for text records (default gpt2)
          --model M            tiny (2 x 64) or small (4 x 128); vocabulary of the data (default tiny)
          --schedule S         chunkflow, padded (micro-batches padded to their longest) or packed (sort-and-pack into
                               rows of the longest sequence) (default chunkflow)
          --chunk-size T       ChunkFlow chunk size in tokens, 1 to the context of 16,384 (default 2048)
          --k K                chunks of a long sequence whose activations are kept; the others are recomputed (default 2)
          --batch B            sequences per step (default 8)
          --logical-workers W  data-parallel trainers, fixed by the job (default 2)
          --micro-batch M      sequences per padded micro-batch (default 2)
          --memory-budget SIZE a trainer's budget for one chunk (e.g. 2GiB); refused when below one chunk's need; under
                               mimose, what one pass may hold at its measured peak above the memory before it
          --layer-checkpointing C  blocks recomputed in the backward pass of a batch of rows: none, all, or mimose
                               (per input size the fewest blocks that keep the pass under --memory-budget, from
                               memory measured in a warm-up) (default none)
          --steps N            optimiser steps (default 20)
          --seed K             seed of weights, data order and synthetic data (default 1)
          --lr RATE            AdamW learning rate (default 1e-3)
          --intra-op-threads T libtorch threads per trainer (default 1; part of the determinism contract)
          --checkpoint-every K checkpoint every K steps and on membership changes (default 10)
          --checkpoint-dir DIR also keep checkpoints as files under DIR/JOB-ID/
          --cluster H:P        run on a running cluster instead of an embedded one
          --json FILE          write the result as JSON
          --plot FILE          PNG or SVG of the loss and the tokens per second at every step

        examples: dataflow run sft --synthetic lmsys --steps 10 --json sft.json
                  dataflow run sft --data chats.jsonl --tokenizer gpt2 --chunk-size 1024 --k 1
                  dataflow run sft --synthetic chatqa2 --schedule padded --steps 5
                  dataflow run sft --schedule padded --layer-checkpointing mimose --memory-budget 96MiB --steps 5
        """;

    private static readonly Dictionary<string, SyntheticMix> s_mixes = new()
    {
        ["lmsys"] = SyntheticMix.Lmsys,
        ["chatqa2"] = SyntheticMix.ChatQa2,
    };

    private static readonly Dictionary<string, SftModelSize> s_models = new()
    {
        ["tiny"] = SftModelSize.Tiny,
        ["small"] = SftModelSize.Small,
    };

    private static readonly Dictionary<string, SftSchedule> s_schedules = new()
    {
        ["chunkflow"] = SftSchedule.ChunkFlow,
        ["padded"] = SftSchedule.Padded,
        ["packed"] = SftSchedule.Packed,
    };

    private static readonly Dictionary<string, SftCheckpointing> s_checkpointing = new()
    {
        ["none"] = SftCheckpointing.None,
        ["all"] = SftCheckpointing.All,
        ["mimose"] = SftCheckpointing.Mimose,
    };

    private static readonly Dictionary<string, SftTokenizerKind> s_tokenizers = new()
    {
        ["gpt2"] = SftTokenizerKind.Gpt2,
        ["bytes"] = SftTokenizerKind.Bytes,
    };

    /// <inheritdoc />
    public override string Verb => "sft";

    /// <inheritdoc />
    public override string Summary => "long-context fine-tuning on chunk schedulers (ChunkFlow)";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
    [
        "data", "synthetic", "tokenizer", "model", "schedule", "chunk-size", "k", "batch", "logical-workers", "micro-batch",
        "memory-budget", "layer-checkpointing", "steps", "seed", "lr", "intra-op-threads", "checkpoint-every", "checkpoint-dir",
    ];

    /// <inheritdoc />
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o) =>
        o.String("checkpoint-dir") is { } dir
            ? [new OutputPath("checkpoint-dir", dir, IsDirectory: true, CreatesDirectories: true)]
            : [];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        if (o.String("data") is not null && o.String("synthetic") is not null)
        {
            throw new UsageException("--data and --synthetic: give one of them", Usage);
        }
        long budget = 0;
        if (o.String("memory-budget") is { } text)
        {
            try
            {
                budget = InputLimits.ParseSize(text);
            }
            catch (FormatException)
            {
                throw new UsageException($"--memory-budget {text}: expected a size such as 2GiB or 512MiB", Usage);
            }
        }
        var builder = Job.Sft()
            .Model(o.Choice("model", s_models, SftModelSize.Tiny))
            .Schedule(o.Choice("schedule", s_schedules, SftSchedule.ChunkFlow))
            .Tokenizer(o.Choice("tokenizer", s_tokenizers, SftTokenizerKind.Gpt2))
            .ChunkSize(o.Int("chunk-size", 2048))
            .K(o.Int("k", 2))
            .Batch(o.Int("batch", 8))
            .LogicalWorkers(o.Int("logical-workers", 2))
            .MicroBatch(o.Int("micro-batch", 2))
            .MemoryBudget(budget)
            .Checkpointing(o.Choice("layer-checkpointing", s_checkpointing, SftCheckpointing.None))
            .Steps(o.Int("steps", 20))
            .Seed(o.Long("seed", 1))
            .LearningRate(o.Double("lr", 1e-3))
            .IntraOpThreads(o.Int("intra-op-threads", 1))
            .CheckpointEvery(o.Int("checkpoint-every", 10))
            .CheckpointDirectory(o.String("checkpoint-dir"));
        builder = o.String("data") is { } path
            ? builder.Data(path)
            : builder.Synthetic(o.Choice("synthetic", s_mixes, SyntheticMix.Lmsys));
        try
        {
            return builder.Build();
        }
        catch (SftInputException e)
        {
            throw new UsageException($"--data {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid sft job: {e.Message}");
        }
    }

    /// <inheritdoc />
    public override Action<JobOutput>? CheckpointWriter(string directory) => output =>
    {
        if (output.Stream == JobFiles.CheckpointStream)
        {
            SftJob.WriteCheckpoint(directory, output.JobId, output.Data);
        }
    };

    /// <inheritdoc />
    public override string ProgressLine(JobProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"loss {p.Metrics.GetValueOrDefault("loss", double.NaN):F4}  {p.Metrics.GetValueOrDefault("tokensPerSecond"):F0} tokens/s  {p.Note}");

    /// <inheritdoc />
    public override void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output)
    {
        var r = result.As<SftResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          sft ({r.Inputs.Model}, {r.Schedule}, chunk {r.Inputs.ChunkSize}, K {r.Inputs.K})
            data              {r.Inputs.Data}
            steps             {r.Steps}
            tokens            {r.Tokens}
            tokens/s          {r.TokensPerSecond:F0}
            padding           {r.PaddingFraction * 100:F1} %
            chunks            {r.Chunks} ({r.RecomputedChunks} recomputed)
            peak memory       {r.PeakMemoryBytes / (1024.0 * 1024.0):F0} MiB (process high-water mark)
            layers recomputed {r.LayerCheckpointing}: {r.CheckpointedLayers} block passes, {r.PlanChanges} plan changes
            peak of a pass    {r.PeakPassBytes / (1024.0 * 1024.0):F1} MiB above the memory before it ({r.PassesOverBudget} passes over the budget)
            final loss        {r.FinalLoss:F6}
            weights sha256    {r.WeightsSha256}
            placement changes {r.PlacementChanges}
            seconds           {r.Seconds:F2}
            """));
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("sft", "sft tokens/s of ChunkFlow vs padded batching and sort-and-pack, same model and token mix",
            (w, o) => Bench.SftBench.Schedules(w, o.Int("steps", 2))),
        new("sftmemory", "sft peak memory as the longest sequence grows 4x at a fixed chunk size, ChunkFlow vs padded",
            (w, o) => Bench.SftBench.Memory(w)),
        new("sftmimose", "sft Mimose's input-aware checkpointing vs recomputing every block, same memory budget and batches",
            (w, o) => Bench.SftMimoseBench.Run(w, o.Int("steps", 4))),
        new("sftskrull", "sft Skrull's GDS + DACP over two trainers vs round-robin and sorted batching, simulated vs measured time, scheduling cost",
            (w, o) => Bench.SftSkrullBench.Run(w, o.Int("steps", 3))),
    ];
}
