using Dataflow.Actors.Runtime;
using Dataflow.Actors.Sft;
using Dataflow.Kernels.Sft;

namespace Dataflow.Sft;

/// <summary>Which preset model an <c>sft</c> job trains.</summary>
public enum SftModelSize
{
    /// <summary>2 blocks of width 64.</summary>
    Tiny,

    /// <summary>4 blocks of width 128.</summary>
    Small,
}

/// <summary>Fluent builder of an <c>sft</c> job.</summary>
/// <remarks>Defaults: the synthetic LMSys mix, the tiny model, ChunkFlow with chunks of 2048 tokens and K = 2, batches of
/// 8 sequences over 2 logical workers, 20 steps, seed 1, a checkpoint every 10 steps.</remarks>
public sealed class SftJobBuilder
{
    private SftModelSize _model = SftModelSize.Tiny;
    private SftSettings _settings = new(SftModelConfig.Tiny(SftCorpus.SyntheticVocabulary));
    private SftCorpus _corpus = SftCorpus.Of(SyntheticMix.Lmsys);
    private string? _path;
    private SftTokenizerKind _tokenizer = SftTokenizerKind.Gpt2;
    private int _steps = 20;
    private int _checkpointEvery = 10;
    private string? _checkpointDirectory;

    /// <summary>Train on a JSON Lines or Parquet file, read (and tokenized) by this process at <see cref="Build"/>.</summary>
    public SftJobBuilder Data(string path) { _path = path; return this; }

    /// <summary>Train on a synthetic length mix.</summary>
    public SftJobBuilder Synthetic(SyntheticMix mix) { _path = null; _corpus = SftCorpus.Of(mix); return this; }

    /// <summary>How <c>text</c> records are tokenized (GPT-2 by default).</summary>
    public SftJobBuilder Tokenizer(SftTokenizerKind tokenizer) { _tokenizer = tokenizer; return this; }

    /// <summary>The preset model (its vocabulary is the data's).</summary>
    public SftJobBuilder Model(SftModelSize model) { _model = model; return this; }

    /// <summary>The schedule: ChunkFlow, or a baseline.</summary>
    public SftJobBuilder Schedule(SftSchedule schedule) { _settings = _settings with { Schedule = schedule }; return this; }

    /// <summary>ChunkFlow's chunk size in tokens.</summary>
    public SftJobBuilder ChunkSize(int tokens) { _settings = _settings with { ChunkSize = tokens }; return this; }

    /// <summary>ChunkFlow's K: chunks of a long sequence whose activations are kept.</summary>
    public SftJobBuilder K(int chunks) { _settings = _settings with { Keep = chunks }; return this; }

    /// <summary>Sequences per optimiser step.</summary>
    public SftJobBuilder Batch(int sequences) { _settings = _settings with { GlobalBatch = sequences }; return this; }

    /// <summary>Data-parallel logical workers (trainers), fixed by the job.</summary>
    public SftJobBuilder LogicalWorkers(int count) { _settings = _settings with { LogicalWorkers = count }; return this; }

    /// <summary>Sequences per padded micro-batch (the padded baseline).</summary>
    public SftJobBuilder MicroBatch(int sequences) { _settings = _settings with { MicroBatch = sequences }; return this; }

    /// <summary>A trainer's memory budget for one chunk's activations, bytes (0: none); checked against one chunk's need.</summary>
    public SftJobBuilder MemoryBudget(long bytes) { _settings = _settings with { MemoryBudgetBytes = bytes }; return this; }

    /// <summary>Activation checkpointing of the blocks: none, all, or Mimose's plan per input size (needs
    /// <see cref="MemoryBudget"/>).</summary>
    public SftJobBuilder Checkpointing(SftCheckpointing checkpointing)
    {
        _settings = _settings with { Checkpointing = checkpointing };
        return this;
    }

    /// <summary>Optimiser steps.</summary>
    public SftJobBuilder Steps(int steps) { _steps = steps; return this; }

    /// <summary>Seed of the initial weights, the data order and synthetic data.</summary>
    public SftJobBuilder Seed(long seed) { _settings = _settings with { Seed = seed }; return this; }

    /// <summary>AdamW learning rate.</summary>
    public SftJobBuilder LearningRate(double rate) { _settings = _settings with { LearningRate = rate }; return this; }

    /// <summary>libtorch threads per trainer (part of the determinism contract).</summary>
    public SftJobBuilder IntraOpThreads(int threads) { _settings = _settings with { IntraOpThreads = threads }; return this; }

    /// <summary>Checkpoint every <paramref name="steps"/> steps (and on every membership change).</summary>
    public SftJobBuilder CheckpointEvery(int steps) { _checkpointEvery = steps; return this; }

    /// <summary>Also keep checkpoints as files under <c>directory/JOB-ID/</c> of this process (null: replicas only).</summary>
    public SftJobBuilder CheckpointDirectory(string? directory)
    {
        _checkpointDirectory = directory is null ? null : Path.GetFullPath(directory);
        return this;
    }

    /// <summary>Reads the data (when a file), validates and returns the job; a bad file is an
    /// <see cref="SftInputException"/> naming file and line, a bad option an <see cref="ArgumentException"/> naming it.</summary>
    public SftJob Build()
    {
        var corpus = _path is null ? _corpus : SftCorpusReader.Read(_path, _tokenizer, SftModelConfig.MaxContext);
        var model = _model == SftModelSize.Small ? SftModelConfig.Small(corpus.Vocabulary) : SftModelConfig.Tiny(corpus.Vocabulary);
        var spec = new SftJobSpec(_settings with { Model = model }, corpus, _steps, _checkpointEvery, _checkpointDirectory is not null);
        spec.Validate();
        return new SftJob(spec) { CheckpointDirectory = _checkpointDirectory };
    }
}

/// <summary>A validated <c>sft</c> job.</summary>
/// <param name="Spec">What travels to the cluster.</param>
public sealed record SftJob(SftJobSpec Spec) : IJobDefinition, IJobOutputWriter
{
    /// <summary>This client's directory for the job's checkpoint files (absolute), or null.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <inheritdoc />
    public string Workload => SftWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));

    /// <inheritdoc />
    public void Write(JobOutput output)
    {
        if (output.Stream == JobFiles.CheckpointStream && CheckpointDirectory is { } directory)
        {
            WriteCheckpoint(directory, output.JobId, output.Data);
        }
    }

    /// <summary>Writes checkpoint <paramref name="bytes"/> of job <paramref name="jobId"/> to
    /// <c>directory/JOB-ID/step-NNNNNNNN.ckpt</c> and returns the path.</summary>
    public static string WriteCheckpoint(string directory, string jobId, byte[] bytes)
    {
        var step = SftState.FromBytes(bytes).Step;
        var path = Path.Combine(JobFiles.JobFolder(directory, jobId), SftState.FileName(step));
        JobFiles.WriteAtomically(path, bytes);
        return path;
    }
}
