using MessagePack;

namespace Dataflow.Kernels.Sft;

/// <summary>Everything that determines an <c>sft</c> job's arithmetic.</summary>
/// <param name="Model">The model's shape.</param>
/// <param name="Schedule">How a global batch becomes rows.</param>
/// <param name="ChunkSize">ChunkFlow's chunk size in tokens.</param>
/// <param name="Keep">ChunkFlow's K: chunks of a long sequence whose activations are kept; the rest are recomputed.</param>
/// <param name="GlobalBatch">Sequences per optimiser step.</param>
/// <param name="LogicalWorkers">Data-parallel logical workers (trainers) a step's sequences are split over.</param>
/// <param name="MicroBatch">Sequences per padded micro-batch (<see cref="SftSchedule.Padded"/>).</param>
/// <param name="Seed">Seed of the initial weights, the data order and synthetic data.</param>
/// <param name="LearningRate">AdamW learning rate (constant).</param>
/// <param name="IntraOpThreads">libtorch threads per trainer (part of the determinism contract).</param>
/// <param name="MemoryBudgetBytes">Memory a trainer may use for one chunk's activations; 0: no budget. Under
/// <see cref="SftCheckpointing.Mimose"/>, the measured peak of one pass above the trainer's resident memory before it.</param>
/// <param name="Checkpointing">Which blocks of a batch of rows are recomputed in the backward pass.</param>
[MessagePackObject]
public sealed record SftSettings(
    [property: Key(0)] SftModelConfig Model,
    [property: Key(1)] SftSchedule Schedule = SftSchedule.ChunkFlow,
    [property: Key(2)] int ChunkSize = 2048,
    [property: Key(3)] int Keep = 2,
    [property: Key(4)] int GlobalBatch = 8,
    [property: Key(5)] int LogicalWorkers = 2,
    [property: Key(6)] int MicroBatch = 2,
    [property: Key(7)] long Seed = 1,
    [property: Key(8)] double LearningRate = 1e-3,
    [property: Key(9)] int IntraOpThreads = 1,
    [property: Key(10)] long MemoryBudgetBytes = 0,
    [property: Key(11)] SftCheckpointing Checkpointing = SftCheckpointing.None)
{
    /// <summary>AdamW's beta1, beta2, epsilon and weight decay (PyTorch's defaults but for a decay of 0.01).</summary>
    public const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8, WeightDecay = 0.01;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is wrong.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Model);
        Model.Validate();
        if (ChunkSize < 1 || ChunkSize > Model.Context)
        {
            throw new ArgumentException($"--chunk-size must be in [1, {Model.Context}] (the model's context); got {ChunkSize}", "chunk-size");
        }
        if (Keep < 1)
        {
            throw new ArgumentException($"--k must be at least 1; got {Keep}", "k");
        }
        if (GlobalBatch < 1)
        {
            throw new ArgumentException($"--batch must be at least 1; got {GlobalBatch}", "batch");
        }
        if (LogicalWorkers < 1 || LogicalWorkers > GlobalBatch)
        {
            throw new ArgumentException($"--logical-workers must be in [1, {GlobalBatch}] (the batch); got {LogicalWorkers}", "logical-workers");
        }
        if (MicroBatch < 1)
        {
            throw new ArgumentException($"--micro-batch must be at least 1; got {MicroBatch}", "micro-batch");
        }
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentException($"--lr must be a positive number; got {LearningRate}", "lr");
        }
        if (IntraOpThreads < 1)
        {
            throw new ArgumentException($"--intra-op-threads must be at least 1; got {IntraOpThreads}", "intra-op-threads");
        }
        if (MemoryBudgetBytes < 0)
        {
            throw new ArgumentException($"--memory-budget must not be negative; got {MemoryBudgetBytes}", "memory-budget");
        }
        if (Checkpointing == SftCheckpointing.Mimose && MemoryBudgetBytes == 0)
        {
            throw new ArgumentException("--layer-checkpointing mimose plans under a memory budget: give --memory-budget", "memory-budget");
        }
        var need = Model.ChunkBytes(ChunkSize);
        if (Checkpointing != SftCheckpointing.None)
        {
            need = Model.CheckpointedChunkBytes(ChunkSize);
            if (MemoryBudgetBytes > 0 && MemoryBudgetBytes < need)
            {
                throw new ArgumentException(
                    $"--memory-budget {MemoryBudgetBytes} bytes is below one layer's need: {need} bytes for a chunk of {ChunkSize} tokens "
                    + "with every block recomputed (lower --chunk-size or raise the budget)", "memory-budget");
            }
        }
        if (MemoryBudgetBytes > 0 && MemoryBudgetBytes < need)
        {
            throw new ArgumentException(
                $"--memory-budget {MemoryBudgetBytes} bytes is below one chunk's need: {need} bytes for {ChunkSize} tokens of this model "
                + "(lower --chunk-size or raise the budget)", "memory-budget");
        }
    }

    /// <summary>Which of the batch's sequences logical worker w trains on: longest first to the worker with the
    /// fewest tokens so far (ties: lowest worker), a function of the batch alone.</summary>
    public int[][] Split(int[][] batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var load = new long[LogicalWorkers];
        var parts = Enumerable.Range(0, LogicalWorkers).Select(_ => new List<int>()).ToArray();
        foreach (var i in Enumerable.Range(0, batch.Length).OrderByDescending(i => batch[i].Length).ThenBy(i => i))
        {
            var w = Array.IndexOf(load, load.Min());
            parts[w].Add(i);
            load[w] += batch[i].Length;
        }
        return parts.Select(p => p.Order().ToArray()).ToArray();
    }
}
