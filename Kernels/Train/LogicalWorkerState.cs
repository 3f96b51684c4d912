using MessagePack;
using TorchSharp;

namespace Dataflow.Kernels.Train;

/// <summary>Everything a logical worker carries from one step to the next: where it is in its data
/// order and its random stream. Plain data, so it can be checkpointed and moved between nodes.</summary>
/// <param name="WorkerId">Logical worker index in [0, N).</param>
/// <param name="Epoch">Pass over this worker's shard, from 0.</param>
/// <param name="Cursor">Next position in this epoch's shuffled shard.</param>
/// <param name="RngState">State of the worker's CPU <c>torch.Generator</c> (<c>get_state()</c> bytes);
/// it drives dropout masks and augmentation.</param>
[MessagePackObject]
public sealed record LogicalWorkerState(
    [property: Key(0)] int WorkerId,
    [property: Key(1)] int Epoch,
    [property: Key(2)] int Cursor,
    [property: Key(3)] byte[] RngState)
{
    private const ulong GeneratorPurpose = 0x67656E6572617421UL;   // "generat!"

    /// <summary>State of worker <paramref name="workerId"/> before the first step: epoch 0, cursor 0, and a
    /// generator seeded from a hash of (seed, workerId). Loads libtorch.</summary>
    /// <remarks>libtorch's CPU generator is an mt19937 seeded from the low 32 bits of the hash.</remarks>
    public static LogicalWorkerState Initial(TrainSettings settings, int workerId)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(workerId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(workerId, settings.LogicalWorkers);
        Compute.TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        var seed = CounterRandom.Key(settings.Seed, GeneratorPurpose, workerId);
        using var generator = new torch.Generator(seed);
        using var state = generator.get_state();
        return new LogicalWorkerState(workerId, 0, 0, state.bytes.ToArray());
    }

    /// <summary>Value equality, including the generator bytes.</summary>
    public bool Equals(LogicalWorkerState? other) =>
        other is not null
        && WorkerId == other.WorkerId
        && Epoch == other.Epoch
        && Cursor == other.Cursor
        && RngState.AsSpan().SequenceEqual(other.RngState);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(WorkerId);
        hash.Add(Epoch);
        hash.Add(Cursor);
        hash.AddBytes(RngState);
        return hash.ToHashCode();
    }
}
