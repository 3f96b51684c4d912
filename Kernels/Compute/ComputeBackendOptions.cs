namespace Dataflow.Kernels.Compute;

/// <summary>How the CPU direct-dispatch backend splits a launch into tasks.</summary>
/// <remarks>
/// A launch of <c>extent</c> indices is cut into contiguous chunks of about
/// <c>extent / (MaxDegreeOfParallelism * ChunksPerWorker)</c> indices, rounded up to a multiple of
/// <see cref="ChunkAlignment"/>, never fewer than the minimum chunk length. The ILGPU accelerators ignore
/// these settings.
/// </remarks>
public sealed record ComputeBackendOptions
{
    /// <summary>Chunk lengths are rounded up to a multiple of this many indices, so that neighbouring chunks
    /// writing 4-byte elements do not share a 64-byte cache line when the buffer is aligned.</summary>
    public const int ChunkAlignment = 64;

    /// <summary>The options used when none are given.</summary>
    public static ComputeBackendOptions Default { get; } = new();

    /// <summary>Most tasks one launch runs at once; default <see cref="Environment.ProcessorCount"/>.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Chunks per worker, so that uneven chunks balance out; default 4.</summary>
    public int ChunksPerWorker { get; init; } = 4;

    /// <summary>Fewest indices one task runs, unless a launch asks for less through
    /// <see cref="LaunchExtent.MinChunkLength"/>; default 4096, enough to amortise a task for cheap
    /// element-wise kernels.</summary>
    public int MinChunkLength { get; init; } = 4096;

    /// <summary>The chunk length direct dispatch uses for a launch of <paramref name="extent"/> indices.</summary>
    /// <param name="extent">Number of indices launched.</param>
    /// <param name="minChunkLength">Fewest indices per chunk; 0 takes <see cref="MinChunkLength"/>.</param>
    /// <returns>At least 1; equal to <paramref name="extent"/> when the launch runs as one chunk.</returns>
    public int ChunkLengthFor(int extent, int minChunkLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extent);
        ArgumentOutOfRangeException.ThrowIfNegative(minChunkLength);
        if (extent <= 1)
        {
            return 1;
        }
        var floor = minChunkLength > 0 ? minChunkLength : MinChunkLength;
        long chunks = (long)MaxDegreeOfParallelism * ChunksPerWorker;
        var length = (extent + chunks - 1) / chunks;
        length = (length + ChunkAlignment - 1) / ChunkAlignment * ChunkAlignment;
        return (int)Math.Min(extent, Math.Max(length, floor));
    }

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDegreeOfParallelism, 1, nameof(MaxDegreeOfParallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunksPerWorker, 1, nameof(ChunksPerWorker));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinChunkLength, 1, nameof(MinChunkLength));
    }
}
