namespace Dataflow.Kernels.Sft;

/// <summary>How a global batch of sequences becomes the rows a trainer runs.</summary>
public enum SftSchedule
{
    /// <summary>ChunkFlow (arXiv 2503.02356): short sequences packed into chunks of one size, long ones split into
    /// dependent chunks run by the state-aware schedule.</summary>
    ChunkFlow,

    /// <summary>Baseline: micro-batches of sequences in data order, each padded to its longest.</summary>
    Padded,

    /// <summary>Baseline (sort-and-pack): sequences sorted by length and packed first-fit into rows as long as the
    /// batch's longest sequence, one row per micro-batch, padded to that length.</summary>
    Packed,
}

/// <summary>Turns a global batch into work items under a schedule (ChunkFlow Algorithm 1 for chunk construction).</summary>
public static class SftPlanner
{
    /// <summary>The work items of <paramref name="sequences"/> (ids are their indices).</summary>
    /// <param name="chunkSize">ChunkFlow's chunk size in tokens.</param>
    /// <param name="microBatch">Sequences per padded micro-batch.</param>
    public static IReadOnlyList<SftWorkItem> Plan(SftSchedule schedule, IReadOnlyList<int[]> sequences, int chunkSize, int microBatch)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatch, 1);
        return schedule switch
        {
            SftSchedule.ChunkFlow => ChunkFlow(sequences, chunkSize),
            SftSchedule.Padded => Padded(sequences, microBatch),
            SftSchedule.Packed => SortAndPack(sequences),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "unknown schedule"),
        };
    }

    /// <summary>ChunkFlow's chunks: a sequence longer than <paramref name="chunkSize"/> is split into consecutive
    /// chunks of that size (the last shorter), one dependent item; the others are packed first-fit decreasing into
    /// chunks of at most <paramref name="chunkSize"/> tokens, one item each.</summary>
    public static IReadOnlyList<SftWorkItem> ChunkFlow(IReadOnlyList<int[]> sequences, int chunkSize)
    {
        var items = new List<SftWorkItem>();
        var bins = new List<(int Used, List<SftChunk> Parts)>();
        // Longest first, ties by id: a fixed order, so the same batch always gives the same chunks.
        foreach (var id in Enumerable.Range(0, sequences.Count).OrderByDescending(i => sequences[i].Length).ThenBy(i => i))
        {
            var sequence = sequences[id];
            if (sequence.Length > chunkSize)
            {
                var chunks = new List<SftChunk>();
                for (var start = 0; start < sequence.Length; start += chunkSize)
                {
                    chunks.Add(SftChunk.Slice(sequence, id, start, Math.Min(chunkSize, sequence.Length - start)));
                }
                items.Add(new SftWorkItem([.. chunks], Dependent: true));
                continue;
            }
            var bin = bins.FindIndex(b => b.Used + sequence.Length <= chunkSize);
            if (bin < 0)
            {
                bins.Add((0, []));
                bin = bins.Count - 1;
            }
            bins[bin].Parts.Add(SftChunk.Slice(sequence, id, 0, sequence.Length));
            bins[bin] = (bins[bin].Used + sequence.Length, bins[bin].Parts);
        }
        items.AddRange(bins.Select(b => new SftWorkItem([SftChunk.Concat(b.Parts)], Dependent: false)));
        return items;
    }

    private static List<SftWorkItem> Padded(IReadOnlyList<int[]> sequences, int microBatch)
    {
        var items = new List<SftWorkItem>();
        for (var start = 0; start < sequences.Count; start += microBatch)
        {
            var ids = Enumerable.Range(start, Math.Min(microBatch, sequences.Count - start)).ToArray();
            var longest = ids.Max(i => sequences[i].Length);
            items.Add(new SftWorkItem(
                ids.Select(i => SftChunk.Slice(sequences[i], i, 0, sequences[i].Length).PadTo(longest)).ToArray(),
                Dependent: false));
        }
        return items;
    }

    private static List<SftWorkItem> SortAndPack(IReadOnlyList<int[]> sequences)
    {
        var capacity = sequences.Max(s => s.Length);
        var bins = new List<(int Used, List<SftChunk> Parts)>();
        foreach (var id in Enumerable.Range(0, sequences.Count).OrderByDescending(i => sequences[i].Length).ThenBy(i => i))
        {
            var length = sequences[id].Length;
            var bin = bins.FindIndex(b => b.Used + length <= capacity);
            if (bin < 0)
            {
                bins.Add((0, []));
                bin = bins.Count - 1;
            }
            bins[bin].Parts.Add(SftChunk.Slice(sequences[id], id, 0, length));
            bins[bin] = (bins[bin].Used + length, bins[bin].Parts);
        }
        return bins.Select(b => new SftWorkItem([SftChunk.Concat(b.Parts).PadTo(capacity)], Dependent: false)).ToList();
    }
}
