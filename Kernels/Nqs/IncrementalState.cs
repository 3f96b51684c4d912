using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Key/value caches and electron counts of a batch of prefixes being decoded one orbital at a time by
/// <see cref="TransformerWavefunction.Step"/>; rows can be dropped or duplicated with <see cref="Select(long[])"/>.</summary>
/// <remarks>Owns its tensors (they belong to no dispose scope): dispose it when done. Caches are preallocated for
/// all K positions, position-major [K, B, heads, d/heads] per layer, so a step writes in place instead of
/// concatenating and the filled positions 0..i form one contiguous block.</remarks>
public sealed class IncrementalState : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private Tensor _alphaUsed;
    private Tensor _betaUsed;

    internal IncrementalState(Tensor[] keys, Tensor[] values, Tensor alphaUsed, Tensor betaUsed, int position)
    {
        _keys = keys;
        _values = values;
        _alphaUsed = alphaUsed;
        _betaUsed = betaUsed;
        Position = position;
        Batch = (int)alphaUsed.shape[0];
    }

    /// <summary>Rows (prefixes) in the batch.</summary>
    public int Batch { get; }

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
        using var index = tensor(rows, ScalarType.Int64);
        return Select(index);
    }

    /// <summary>A new state whose row i is this state's row <paramref name="rows"/>[i] (int64 indices).</summary>
    public IncrementalState Select(Tensor rows)
    {
        using var noGrad = no_grad();
        var keys = _keys.Select(k => k.index_select(1, rows).DetachFromDisposeScope()).ToArray();
        var values = _values.Select(v => v.index_select(1, rows).DetachFromDisposeScope()).ToArray();
        return new IncrementalState(
            keys,
            values,
            _alphaUsed.index_select(0, rows).DetachFromDisposeScope(),
            _betaUsed.index_select(0, rows).DetachFromDisposeScope(),
            Position);
    }

    /// <summary>Frees the caches.</summary>
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
