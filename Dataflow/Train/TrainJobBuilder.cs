using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;

namespace Dataflow.Train;

/// <summary>Fluent builder of a <c>train</c> job.</summary>
/// <remarks>Defaults: MLP, 4 logical workers, 100 steps, seed 1, a checkpoint every 10 steps.</remarks>
public sealed class TrainJobBuilder
{
    private TrainSettings _settings = new(TrainModelKind.Mlp, LogicalWorkers: 4, Seed: 1);
    private int _steps = 100;
    private int _checkpointEvery = 10;
    private string? _checkpointDirectory;
    private string? _resume;
    private TrainReduction _reduction = TrainReduction.LogicalOrder;

    /// <summary>The network: an MLP on teacher-labelled vectors or a small CNN on drawn images.</summary>
    public TrainJobBuilder Model(TrainModelKind model) { _settings = _settings with { Model = model }; return this; }

    /// <summary>Number of logical workers: fixed by the job, independent of the nodes that run it.</summary>
    public TrainJobBuilder LogicalWorkers(int count) { _settings = _settings with { LogicalWorkers = count }; return this; }

    /// <summary>Global optimiser steps.</summary>
    public TrainJobBuilder Steps(int steps) { _steps = steps; return this; }

    /// <summary>Seed of the data set, the initial weights and every logical worker's random stream.</summary>
    public TrainJobBuilder Seed(long seed) { _settings = _settings with { Seed = seed }; return this; }

    /// <summary>Checkpoint every <paramref name="steps"/> steps (and on every membership change).</summary>
    public TrainJobBuilder CheckpointEvery(int steps) { _checkpointEvery = steps; return this; }

    /// <summary>Also keep checkpoints as files: this process writes each checkpoint the job sends it to
    /// <c>directory/JOB-ID/step-NNNNNNNN.ckpt</c> (null: memory and replicas only).</summary>
    /// <remarks>The directory is this client's, on an embedded cluster and on a remote one alike; it never travels with
    /// the job. Hosts keep their copies under their own work directory (<c>dataflow host --work-dir</c>).</remarks>
    public TrainJobBuilder CheckpointDirectory(string? directory)
    {
        _checkpointDirectory = directory is null ? null : Path.GetFullPath(directory);
        return this;
    }

    /// <summary>Start from a checkpoint this process reads now, at <see cref="Build"/>: <paramref name="path"/> is a
    /// checkpoint file, or a directory whose latest <c>step-*.ckpt</c> (searched recursively) is taken. The checkpoint
    /// travels with the job; the result is the uninterrupted run's.</summary>
    /// <remarks>Build throws <see cref="FileNotFoundException"/> when there is no checkpoint there,
    /// <see cref="InvalidDataException"/> when it is not a train checkpoint, and <see cref="ArgumentException"/> when it
    /// does not fit the job (another number of logical workers, no steps left).</remarks>
    public TrainJobBuilder ResumeFrom(string? path) { _resume = path; return this; }

    /// <summary>Samples per logical worker per step.</summary>
    public TrainJobBuilder BatchPerWorker(int batch) { _settings = _settings with { BatchPerWorker = batch }; return this; }

    /// <summary>Peak AdamW learning rate.</summary>
    public TrainJobBuilder LearningRate(double rate) { _settings = _settings with { LearningRate = rate }; return this; }

    /// <summary>libtorch intra-op threads of every logical worker (part of the determinism contract).</summary>
    public TrainJobBuilder IntraOpThreads(int threads) { _settings = _settings with { IntraOpThreads = threads }; return this; }

    /// <summary>Gradient reduction; <see cref="TrainReduction.ArrivalOrder"/> gives up determinism (benchmarks only).</summary>
    public TrainJobBuilder Reduction(TrainReduction reduction) { _reduction = reduction; return this; }

    /// <summary>Any other setting, e.g. <c>b.Settings(s => s with { Dropout = 0.2f })</c>.</summary>
    public TrainJobBuilder Settings(Func<TrainSettings, TrainSettings> change) { _settings = change(_settings); return this; }

    /// <summary>Validates and returns the job; throws <see cref="ArgumentException"/> naming an invalid field.</summary>
    public TrainJob Build()
    {
        var spec = new TrainJobSpec(_settings, _steps, _checkpointEvery, _reduction, CheckpointFiles: _checkpointDirectory is not null);
        spec.Validate();
        byte[]? resume = null;
        if (_resume is not null)
        {
            var file = LatestCheckpoint(_resume);
            var checkpoint = TrainCheckpoint.Load(file);
            if (checkpoint.Workers.Length != _settings.LogicalWorkers)
            {
                throw new ArgumentException(
                    $"resume: {file} has {checkpoint.Workers.Length} logical workers, the job {_settings.LogicalWorkers}", "resume");
            }
            if (checkpoint.Step >= _steps)
            {
                throw new ArgumentException($"resume: {file} is at step {checkpoint.Step}, the job has {_steps} steps", "resume");
            }
            resume = checkpoint.ToBytes();
        }
        return new TrainJob(spec) { CheckpointDirectory = _checkpointDirectory, ResumeCheckpoint = resume };
    }

    private static string LatestCheckpoint(string path)
    {
        if (File.Exists(path))
        {
            return path;
        }
        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"resume: {path} is neither a checkpoint file nor a directory", path);
        }
        return Directory.EnumerateFiles(path, "step-*.ckpt", SearchOption.AllDirectories)
            .OrderBy(Path.GetFileName, StringComparer.Ordinal)
            .ThenBy(f => f, StringComparer.Ordinal)
            .LastOrDefault()
            ?? throw new FileNotFoundException($"resume: no train checkpoint (step-*.ckpt) in {path}", path);
    }
}

/// <summary>A validated <c>train</c> job.</summary>
/// <param name="Spec">What travels to the cluster.</param>
public sealed record TrainJob(TrainJobSpec Spec) : IJobDefinition, IJobOutputWriter
{
    /// <summary>This client's directory for the job's checkpoint files (absolute), or null.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>The checkpoint the job starts from (read by <see cref="TrainJobBuilder.ResumeFrom"/>), or null.</summary>
    public byte[]? ResumeCheckpoint { get; init; }

    /// <inheritdoc />
    public string Workload => TrainWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec), ResumeCheckpoint);

    /// <inheritdoc />
    /// <remarks>A checkpoint goes to <c>CheckpointDirectory/JOB-ID/step-NNNNNNNN.ckpt</c>, its step read from the
    /// checkpoint itself (whose SHA-256 is checked first).</remarks>
    public void Write(JobOutput output)
    {
        if (output.Stream == JobFiles.CheckpointStream && CheckpointDirectory is { } directory)
        {
            WriteCheckpoint(directory, output.JobId, output.Data);
        }
    }

    /// <summary>Writes checkpoint <paramref name="bytes"/> of job <paramref name="jobId"/> to
    /// <c>directory/JOB-ID/step-NNNNNNNN.ckpt</c> and returns the path.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid train checkpoint.</exception>
    public static string WriteCheckpoint(string directory, string jobId, byte[] bytes)
    {
        var step = TrainCheckpoint.FromBytes(bytes).Step;
        var path = Path.Combine(JobFiles.JobFolder(directory, jobId), TrainCheckpoint.FileName(step));
        JobFiles.WriteAtomically(path, bytes);
        return path;
    }
}
