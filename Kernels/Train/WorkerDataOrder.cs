namespace Dataflow.Kernels.Train;

/// <summary>Which samples a logical worker reads, in which order: worker w of N owns the indices
/// i with i mod N = w; every epoch that shard is shuffled by Fisher-Yates driven by
/// <see cref="CounterRandom"/> keyed on (seed, w, epoch).</summary>
/// <remarks>A batch that runs past the end of the shard continues at the start of the next epoch's
/// permutation, so every batch has exactly <see cref="TrainSettings.BatchPerWorker"/> samples.</remarks>
public static class WorkerDataOrder
{
    private const ulong ShufflePurpose = 0x73687566666C6521UL;   // "shuffle!"

    /// <summary>Number of samples worker <paramref name="workerId"/> owns.</summary>
    public static int ShardSize(TrainSettings settings, int workerId)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CheckWorker(settings, workerId);
        var n = settings.LogicalWorkers;
        return (settings.DatasetSize - workerId + n - 1) / n;
    }

    /// <summary>Worker <paramref name="workerId"/>'s shard in the order of epoch <paramref name="epoch"/>.</summary>
    public static int[] Shard(TrainSettings settings, int workerId, int epoch)
    {
        var size = ShardSize(settings, workerId);
        var n = settings.LogicalWorkers;
        var order = new int[size];
        for (var j = 0; j < size; j++)
        {
            order[j] = workerId + j * n;
        }
        // Fisher-Yates (Knuth TAOCP vol. 2, algorithm 3.4.2P), draw j picks from [0, j].
        var key = CounterRandom.Key(settings.Seed, ShufflePurpose, workerId, epoch);
        for (var j = size - 1; j > 0; j--)
        {
            var k = CounterRandom.Below(key, (ulong)j, j + 1);
            (order[j], order[k]) = (order[k], order[j]);
        }
        return order;
    }

    /// <summary>The next <paramref name="count"/> sample indices from <paramref name="state"/>'s position,
    /// and the (epoch, cursor) after them.</summary>
    public static (int[] Indices, int Epoch, int Cursor) Take(TrainSettings settings, LogicalWorkerState state, int count)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var size = ShardSize(settings, state.WorkerId);
        if (state.Epoch < 0 || state.Cursor < 0 || state.Cursor > size)
        {
            throw new ArgumentException(
                $"worker {state.WorkerId}: epoch {state.Epoch}, cursor {state.Cursor} is outside its shard of {size}", nameof(state));
        }
        var indices = new int[count];
        var epoch = state.Epoch;
        var cursor = state.Cursor;
        var order = Shard(settings, state.WorkerId, epoch);
        for (var b = 0; b < count; b++)
        {
            if (cursor == size)
            {
                epoch++;
                cursor = 0;
                order = Shard(settings, state.WorkerId, epoch);
            }
            indices[b] = order[cursor++];
        }
        if (cursor == size)
        {
            epoch++;
            cursor = 0;
        }
        return (indices, epoch, cursor);
    }

    private static void CheckWorker(TrainSettings settings, int workerId)
    {
        if ((uint)workerId >= (uint)settings.LogicalWorkers)
        {
            throw new ArgumentOutOfRangeException(nameof(workerId), workerId,
                $"worker id must be in [0, {settings.LogicalWorkers})");
        }
    }
}
