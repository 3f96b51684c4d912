using Dataflow.Actors.Runtime;
using Dataflow.Actors.Sft;

namespace Dataflow.Sft;

/// <summary>The result of an <c>sft</c> job, as written by <c>--json</c>.</summary>
/// <param name="Schedule">chunkflow, padded or packed.</param>
/// <param name="Steps">Optimiser steps run.</param>
/// <param name="Tokens">Tokens trained on (padding not counted).</param>
/// <param name="TokensPerSecond">Tokens over the job's wall time from its first step issued to its last step applied.</param>
/// <param name="PaddingFraction">Padding tokens over all tokens the model ran.</param>
/// <param name="RecomputedChunks">Chunks whose forward ran twice (ChunkFlow's N-K per long sequence), all steps.</param>
/// <param name="Chunks">Chunks (or padded rows) run, all steps.</param>
/// <param name="PeakMemoryBytes">The highest resident-memory high-water mark a trainer's process reported (measured).</param>
/// <param name="FinalLoss">Mean next-token cross-entropy of the last step, nats.</param>
/// <param name="WeightsSha256">SHA-256 of the final weights (little-endian float32): equal runs, equal bits.</param>
/// <param name="PlacementChanges">How often the logical workers were re-placed because membership changed.</param>
/// <param name="Inputs">The job as run (the corpus by name and size only).</param>
/// <param name="LayerCheckpointing">Activation checkpointing of the blocks: none, all or mimose.</param>
/// <param name="CheckpointedLayers">Blocks recomputed in backward passes, all passes of all steps.</param>
/// <param name="PlanChanges">Passes whose checkpointing plan differed from their trainer's pass before (Mimose).</param>
/// <param name="PeakPassBytes">Highest measured peak of one pass above the trainer's resident memory before it (what
/// the memory budget bounds); 0 when passes were not measured (no checkpointing and no budget).</param>
/// <param name="PassesOverBudget">Passes whose measured peak was above the memory budget.</param>
public sealed record SftResult(
    string Workload,
    string Schedule,
    long Steps,
    long Tokens,
    double TokensPerSecond,
    double PaddingFraction,
    long RecomputedChunks,
    long Chunks,
    long PeakMemoryBytes,
    double FinalLoss,
    string WeightsSha256,
    int LogicalWorkers,
    int PlacementChanges,
    SftInputs Inputs,
    string LayerCheckpointing = "none",
    long CheckpointedLayers = 0,
    long PlanChanges = 0,
    long PeakPassBytes = 0,
    long PassesOverBudget = 0) : WorkloadResult;

/// <summary>The options an <c>sft</c> job ran with.</summary>
public sealed record SftInputs(
    string Data,
    int Sequences,
    string Model,
    int Vocabulary,
    int ChunkSize,
    int K,
    int Batch,
    int LogicalWorkers,
    int MicroBatch,
    long Seed,
    double LearningRate,
    long MemoryBudgetBytes,
    int Steps)
{
    /// <summary>The inputs of <paramref name="job"/>.</summary>
    public static SftInputs Of(SftJobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var s = job.Settings;
        return new SftInputs(job.Corpus.Name, job.Corpus.Count, ModelName(s.Model), s.Model.Vocabulary, s.ChunkSize, s.Keep,
            s.GlobalBatch, s.LogicalWorkers, s.MicroBatch, s.Seed, s.LearningRate, s.MemoryBudgetBytes, job.Steps);
    }

    private static string ModelName(Kernels.Sft.SftModelConfig m) =>
        m == Kernels.Sft.SftModelConfig.Tiny(m.Vocabulary) ? "tiny"
        : m == Kernels.Sft.SftModelConfig.Small(m.Vocabulary) ? "small"
        : $"d{m.DModel}-l{m.Layers}-h{m.Heads}";
}
