using System.Runtime.InteropServices;
using MessagePack;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Sft;

/// <summary>What one context-parallel rank sends another for one block: its keys and values (forward) or the
/// gradient of the loss with respect to them (backward), raw little-endian elements of the model's type, [1, H, T, D].</summary>
/// <param name="Rank">The rank whose tokens these are (the sender in the forward pass, the receiver in the backward).</param>
/// <param name="Layer">The decoder block.</param>
/// <param name="Tokens">T: the rank's tokens.</param>
/// <param name="Keys">Keys, or their gradient.</param>
/// <param name="Values">Values, or their gradient.</param>
[MessagePackObject]
public sealed record SftKeyValueBlock(
    [property: Key(0)] int Rank,
    [property: Key(1)] int Layer,
    [property: Key(2)] int Tokens,
    [property: Key(3)] byte[] Keys,
    [property: Key(4)] byte[] Values);

/// <summary>One rank of a sequence sharded over N context-parallel ranks: it holds a contiguous S/N of the tokens and
/// runs the model block by block, exchanging keys and values with the other ranks (all-gather of keys/values in the
/// forward pass, their gradients sent back to the owners in the backward pass, as Megatron-LM's context parallelism).</summary>
/// <remarks>
/// Protocol, for every block l ascending: each rank calls <see cref="Project"/> and sends the block to the ranks after
/// it; each rank then calls <see cref="Attend"/> with the blocks of the ranks before it. Then <see cref="Loss"/>, and
/// for every block descending: <see cref="BackwardAttend"/> gives, for each rank before this one, the gradient of its
/// keys and values; each rank calls <see cref="BackwardProject"/> with the gradients the ranks after it sent. The
/// parameter gradients summed over the ranks are the whole sequence's: a token's attention sees exactly the keys it
/// would see in one pass, and every path of the gradient reaches the weights once. The graph is cut between blocks
/// (each block's input is a leaf), so a block's backward can wait for the other ranks' gradients.
/// Not thread-safe; calls may come from different threads (no dispose scope is held between calls).
/// </remarks>
public sealed class ContextParallelShard : IDisposable
{
    private readonly SftTransformer _model;
    private readonly Tensor _labels;
    private readonly Tensor _cos;
    private readonly Tensor _sin;
    private readonly Tensor[] _inputs;
    private readonly (Tensor Q, Tensor K, Tensor V)?[] _projected;
    private readonly (Tensor Keys, Tensor Values)?[] _past;
    private readonly Tensor?[] _outputs;
    private readonly int[] _counts;
    private Tensor? _loss;

    /// <summary>Rank <paramref name="rank"/> of <paramref name="ranks"/> over <paramref name="sequence"/> (id
    /// <paramref name="sequenceId"/>), on <paramref name="model"/> (its gradients accumulate there).</summary>
    public ContextParallelShard(SftTransformer model, int[] sequence, int sequenceId, int ranks, int rank)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, ranks);
        _model = model;
        Rank = rank;
        var split = Split(sequence.Length, ranks);
        _counts = split.Select(s => s.Count).ToArray();
        (Start, Count) = split[rank];
        var layers = model.Config.Layers;
        _inputs = new Tensor[layers + 1];
        _projected = new (Tensor, Tensor, Tensor)?[layers];
        _past = new (Tensor, Tensor)?[layers];
        _outputs = new Tensor?[layers];
        using var scope = torch.NewDisposeScope();
        var chunk = SftChunk.Slice(sequence, sequenceId, Start, Count);
        using var tokens = torch.tensor(chunk.Tokens.Select(t => (long)t).ToArray(), [1, Count]);
        using var positions = torch.tensor(chunk.Positions.Select(t => (long)t).ToArray(), [1, Count]);
        _labels = torch.tensor(chunk.Labels.Select(t => (long)t).ToArray(), [1, Count]).DetachFromDisposeScope();
        var (cos, sin) = RotaryEmbedding.Angles(positions, model.Config.HeadDim, model.DType);
        _cos = cos.DetachFromDisposeScope();
        _sin = sin.DetachFromDisposeScope();
        _inputs[0] = model.Embed(tokens).DetachFromDisposeScope();
    }

    /// <summary>This rank's index.</summary>
    public int Rank { get; }

    /// <summary>Position of this rank's first token in the sequence.</summary>
    public int Start { get; }

    /// <summary>This rank's tokens.</summary>
    public int Count { get; }

    /// <summary>Contiguous shards of a sequence of <paramref name="length"/> tokens over <paramref name="ranks"/>: the
    /// first length mod N ranks hold one token more.</summary>
    public static (int Start, int Count)[] Split(int length, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        if (length < ranks)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"a sequence of {length} tokens cannot be split over {ranks} ranks");
        }
        var result = new (int, int)[ranks];
        var start = 0;
        for (var r = 0; r < ranks; r++)
        {
            var count = length / ranks + (r < length % ranks ? 1 : 0);
            result[r] = (start, count);
            start += count;
        }
        return result;
    }

    /// <summary>Block <paramref name="layer"/>'s keys and values of this rank's tokens (what the ranks after it attend to).</summary>
    public SftKeyValueBlock Project(int layer)
    {
        using var scope = torch.NewDisposeScope();
        var (q, k, v) = _model.Block(layer).Project(_inputs[layer], _cos, _sin);
        _projected[layer] = (q.DetachFromDisposeScope(), k.DetachFromDisposeScope(), v.DetachFromDisposeScope());
        return new SftKeyValueBlock(Rank, layer, Count, Bytes(k), Bytes(v));
    }

    /// <summary>Block <paramref name="layer"/>'s attention and MLP, with the keys and values of every rank before this
    /// one (<paramref name="earlier"/>, in rank order).</summary>
    public void Attend(int layer, IReadOnlyList<SftKeyValueBlock> earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var (q, k, v) = _projected[layer] ?? throw new InvalidOperationException($"block {layer}: Project first");
        if (earlier.Count != Rank || earlier.Where((b, i) => b.Rank != i || b.Layer != layer || b.Tokens != _counts[i]).Any())
        {
            throw new ArgumentException($"block {layer} of rank {Rank}: expected the blocks of ranks 0..{Rank - 1} in order", nameof(earlier));
        }
        using var scope = torch.NewDisposeScope();
        Tensor keys, values;
        if (Rank == 0)
        {
            keys = k.alias();
            values = v.alias();
        }
        else
        {
            // Each block is [1, H, T_r, D]: joined along the tokens, not end to end.
            Tensor Gather(Func<SftKeyValueBlock, byte[]> part) => torch.cat(
                earlier.Select(b => Tensor(part(b), [1L, k.shape[1], b.Tokens, k.shape[3]])).ToArray(), 2);
            var pastKeys = Gather(b => b.Keys).requires_grad_(true).DetachFromDisposeScope();
            var pastValues = Gather(b => b.Values).requires_grad_(true).DetachFromDisposeScope();
            _past[layer] = (pastKeys, pastValues);
            keys = torch.cat([pastKeys, k], 2);
            values = torch.cat([pastValues, v], 2);
        }
        // Query i (position Start + i) sees keys 0..Start + i: everything before this rank and its own causal part.
        using var queryPositions = torch.arange(Start, Start + Count, dtype: ScalarType.Int64).unsqueeze(-1);
        using var keyPositions = torch.arange(0, Start + Count, dtype: ScalarType.Int64).unsqueeze(0);
        using var mask = keyPositions.le(queryPositions).unsqueeze(0).unsqueeze(0);
        var output = _model.Block(layer).Finish(_inputs[layer], q, keys, values, mask).DetachFromDisposeScope();
        _outputs[layer] = output;
        _inputs[layer + 1] = output.detach().requires_grad_(true).DetachFromDisposeScope();
    }

    /// <summary>The summed next-token loss of this rank's tokens (labels cross into the next rank's first token).</summary>
    public double Loss()
    {
        using var scope = torch.NewDisposeScope();
        var last = _inputs[^1] ?? throw new InvalidOperationException("run every block first");
        using var logits = _model.Head(last);
        _loss = SftTransformer.LossSum(logits, _labels).DetachFromDisposeScope();
        using var d = _loss.detach().to_type(ScalarType.Float64);
        return d.item<double>();
    }

    /// <summary>Back-propagates the loss into the last block's output; call once after <see cref="Loss"/>.</summary>
    public void BackwardHead()
    {
        var loss = _loss ?? throw new InvalidOperationException("Loss first");
        loss.backward();
    }

    /// <summary>Block <paramref name="layer"/>'s backward through the MLP and attention: accumulates the parameters'
    /// gradients and returns, for each rank before this one (in rank order), the gradient of its keys and values.</summary>
    public IReadOnlyList<SftKeyValueBlock> BackwardAttend(int layer)
    {
        using var scope = torch.NewDisposeScope();
        var output = _outputs[layer] ?? throw new InvalidOperationException($"block {layer}: Attend first");
        using var gradient = _inputs[layer + 1].grad ?? throw new InvalidOperationException($"block {layer}: the blocks after it first");
        using var product = output.mul(gradient);
        using var objective = product.sum();
        // The projection's graph is kept: the other ranks' gradients of this rank's keys and values go through it next.
        objective.backward(retain_graph: true);
        var blocks = new List<SftKeyValueBlock>();
        if (_past[layer] is { } past)
        {
            using var gk = past.Keys.grad;
            using var gv = past.Values.grad;
            var offset = 0L;
            for (var r = 0; r < Rank; r++)
            {
                using var pk = gk!.narrow(2, offset, _counts[r]);
                using var pv = gv!.narrow(2, offset, _counts[r]);
                blocks.Add(new SftKeyValueBlock(r, layer, _counts[r], Bytes(pk), Bytes(pv)));
                offset += _counts[r];
            }
        }
        return blocks;
    }

    /// <summary>Block <paramref name="layer"/>'s backward through the projection and the first LayerNorm, with the
    /// gradients of this rank's keys and values that the ranks after it sent (<paramref name="fromLater"/>, any order
    /// of the senders: they are added in the order given).</summary>
    public void BackwardProject(int layer, IReadOnlyList<SftKeyValueBlock> fromLater)
    {
        ArgumentNullException.ThrowIfNull(fromLater);
        var (_, k, v) = _projected[layer] ?? throw new InvalidOperationException($"block {layer}: Project first");
        if (fromLater.Any(b => b.Rank != Rank || b.Layer != layer || b.Tokens != Count))
        {
            throw new ArgumentException($"block {layer} of rank {Rank}: a gradient block for another rank or block", nameof(fromLater));
        }
        if (fromLater.Count == 0)
        {
            return;
        }
        using var scope = torch.NewDisposeScope();
        var shape = k.shape;
        Tensor? objective = null;
        foreach (var b in fromLater)
        {
            using var gk = Tensor(b.Keys, shape);
            using var gv = Tensor(b.Values, shape);
            using var pk = k.mul(gk);
            using var pv = v.mul(gv);
            using var sk = pk.sum();
            using var sv = pv.sum();
            var term = sk.add(sv, Compute.HeldScalars.One);
            if (objective is null)
            {
                objective = term;
                continue;
            }
            using var old = objective;
            using var t = term;
            objective = old.add(t, Compute.HeldScalars.One);
        }
        objective!.backward();
        objective.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _labels.Dispose();
        _cos.Dispose();
        _sin.Dispose();
        _loss?.Dispose();
        foreach (var t in _inputs)
        {
            t?.Dispose();
        }
        foreach (var t in _outputs)
        {
            t?.Dispose();
        }
        foreach (var p in _projected)
        {
            if (p is { } t)
            {
                t.Q.Dispose();
                t.K.Dispose();
                t.V.Dispose();
            }
        }
        foreach (var p in _past)
        {
            if (p is { } t)
            {
                t.Keys.Dispose();
                t.Values.Dispose();
            }
        }
    }

    private Tensor Tensor(byte[] bytes, long[] shape) => _model.DType switch
    {
        ScalarType.Float32 => torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
        ScalarType.Float64 => torch.tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
        var t => throw new NotSupportedException($"context parallelism in {t}"),
    };

    private static byte[] Bytes(Tensor t)
    {
        using var c = t.detach().contiguous();
        return c.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(c.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(c.data<double>().ToArray().AsSpan()).ToArray(),
            var d => throw new NotSupportedException($"context parallelism in {d}"),
        };
    }
}

/// <summary>Runs the ranks of context-parallel shards in one process, passing the blocks between them as the actors
/// pass them as messages.</summary>
public static class ContextParallel
{
    /// <summary>Forward and backward of all <paramref name="shards"/> (ranks 0..N-1 of one sequence); returns the
    /// summed loss. The parameter gradients accumulate in each shard's model.</summary>
    public static double Run(IReadOnlyList<ContextParallelShard> shards, int layers)
    {
        ArgumentNullException.ThrowIfNull(shards);
        for (var l = 0; l < layers; l++)
        {
            var blocks = shards.Select(s => s.Project(l)).ToArray();
            foreach (var s in shards)
            {
                s.Attend(l, blocks[..s.Rank]);
            }
        }
        var loss = shards.Sum(s => s.Loss());
        foreach (var s in shards)
        {
            s.BackwardHead();
        }
        for (var l = layers - 1; l >= 0; l--)
        {
            var sent = shards.SelectMany(s => s.BackwardAttend(l)).ToArray();
            foreach (var s in shards)
            {
                s.BackwardProject(l, sent.Where(b => b.Rank == s.Rank).ToArray());
            }
        }
        return loss;
    }
}
