using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Key/value caches and electron counts of a batch of prefixes being decoded one orbital at a time by
/// <see cref="TransformerWavefunction.Step"/>; rows can be dropped or duplicated with <see cref="Select(long[])"/>.</summary>
/// <remarks>Owns its tensors (they belong to no dispose scope): dispose it when done. Caches are preallocated for
/// all K positions, position-major [K, B, heads, d/heads] per layer, so a step writes in place instead of
/// concatenating and the filled positions 0..i form one contiguous block. The tensors hold <see cref="Rows"/> rows,
/// <see cref="Batch"/> rounded up to a multiple of <see cref="RowMultiple"/> by repeating the last row: libtorch's
/// matrix kernels give a row different bits when it falls in a partial block of rows (measured: a [M, 16] x [16, 48]
/// product changed the last bits of every row unless M was a multiple of 4), so with whole blocks a prefix gets the
/// same values whatever batch, chunk or evaluator it is decoded in.</remarks>
public sealed class IncrementalState : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private Tensor _alphaUsed;
    private Tensor _betaUsed;

    /// <summary>Tensor rows are a multiple of this.</summary>
    public const int RowMultiple = 16;

    internal IncrementalState(Tensor[] keys, Tensor[] values, Tensor alphaUsed, Tensor betaUsed, int position, int batch)
    {
        _keys = keys;
        _values = values;
        _alphaUsed = alphaUsed;
        _betaUsed = betaUsed;
        Position = position;
        Batch = batch;
        Rows = (int)alphaUsed.shape[0];
    }

    /// <summary>Rows (prefixes) in the batch.</summary>
    public int Batch { get; }

    /// <summary>Rows of the tensors: <see cref="Batch"/> padded to a multiple of <see cref="RowMultiple"/>.</summary>
    public int Rows { get; }

    /// <summary><paramref name="batch"/> rounded up to a multiple of <see cref="RowMultiple"/>.</summary>
    public static int Padded(int batch) => (batch + RowMultiple - 1) / RowMultiple * RowMultiple;

    /// <summary><paramref name="rows"/> followed by copies of its last entry up to <see cref="Padded"/> entries.</summary>
    public static long[] Pad(long[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var padded = new long[Padded(rows.Length)];
        rows.CopyTo(padded, 0);
        for (var i = rows.Length; i < padded.Length; i++)
        {
            padded[i] = rows[^1];
        }
        return padded;
    }

    /// <summary>Positions consumed so far: the next <see cref="TransformerWavefunction.Step"/> runs this position.</summary>
    public int Position { get; internal set; }

    internal Tensor KeyCache(int layer) => _keys[layer];

    internal Tensor ValueCache(int layer) => _values[layer];

    /// <summary>Alpha electrons in each row's prefix, int64 [B].</summary>
    internal Tensor AlphaUsed => _alphaUsed;

    /// <summary>Beta electrons in each row's prefix, int64 [B].</summary>
    internal Tensor BetaUsed => _betaUsed;

    /// <summary>Replaces the electron counts (the state takes ownership of the new tensors).</summary>
    internal void SetCounts(Tensor alphaUsed, Tensor betaUsed)
    {
        _alphaUsed.Dispose();
        _betaUsed.Dispose();
        _alphaUsed = alphaUsed.DetachFromDisposeScope();
        _betaUsed = betaUsed.DetachFromDisposeScope();
    }

    /// <summary>A new state whose row i is this state's row <paramref name="rows"/>[i]; rows may repeat or be left out.</summary>
    public IncrementalState Select(long[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var r in rows)
        {
            if (r < 0 || r >= Batch)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"rows are 0..{Batch - 1}");
            }
        }
        using var noGrad = no_grad();
        using var index = tensor(Pad(rows), ScalarType.Int64);
        var keys = _keys.Select(k => Gather(k, index, Position)).ToArray();
        var values = _values.Select(v => Gather(v, index, Position)).ToArray();
        return new IncrementalState(
            keys,
            values,
            _alphaUsed.index_select(0, index).DetachFromDisposeScope(),
            _betaUsed.index_select(0, index).DetachFromDisposeScope(),
            Position,
            rows.Length);
    }

    /// <summary>Rows of a cache [K, B, h, d/h]; only the <paramref name="filled"/> positions written so far are copied,
    /// the rest is left uninitialised (a step writes position i before it reads positions 0..i).</summary>
    private static Tensor Gather(Tensor cache, Tensor rows, int filled)
    {
        var shape = cache.shape.ToArray();
        shape[1] = rows.shape[0];
        var result = empty(shape, cache.dtype);
        if (filled > 0)
        {
            using var written = cache.narrow(0, 0, filled);
            using var picked = written.index_select(1, rows);
            using var target = result.narrow(0, 0, filled);
            target.copy_(picked);
        }
        return result.DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys)
        {
            t.Dispose();
        }
        foreach (var t in _values)
        {
            t.Dispose();
        }
        _alphaUsed.Dispose();
        _betaUsed.Dispose();
    }
}
