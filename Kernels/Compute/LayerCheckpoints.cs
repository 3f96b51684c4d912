using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Compute;

/// <summary>What one layer of a stack computes from its input: the output the next layer reads, and side outputs
/// (a transformer block's keys and values) that the caller may send gradients to.</summary>
public delegate (Tensor Output, Tensor[] Side) CheckpointedLayer(Tensor input);

/// <summary>Activation checkpointing for one forward and backward pass through a stack of layers (TorchSharp has
/// none): a checkpointed layer runs without autograd in the forward pass, keeping only its input and the generator's
/// state, and is run again with autograd in the backward pass, just before its gradients are needed.</summary>
/// <remarks>
/// <para>Rather than a custom autograd function whose backward re-enters the engine (PyTorch's
/// <c>torch.utils.checkpoint</c>), the graph is cut at each checkpointed layer's output, and <see cref="Backward"/>
/// runs the pieces in descending order: the piece above a checkpointed layer leaves the gradient of its output on a
/// leaf, the layer is recomputed from its saved input and back-propagated with that gradient, and the gradient of its
/// input is sent on into the piece below (as ChunkFlow's runner sends a chunk's key gradients to earlier chunks). Each
/// tensor inside a piece receives the same contributions as in the uncut graph, and a layer's input and output get at
/// most two (residual and branch), whose float sum does not depend on their order: so the gradients are bitwise those
/// of the uncut graph, in any precision.</para>
/// <para>The recomputation restores the default generator's state from before the layer's forward pass (and puts the
/// current state back afterwards), so dropout draws the same mask twice.</para>
/// <para>One instance per pass, on the thread that runs the pass (dispose scopes are thread-static).</para>
/// </remarks>
public sealed class LayerCheckpoints : IDisposable
{
    private readonly bool[] _checkpointed;
    private readonly bool _restoreGenerator;
    private readonly Tensor?[] _inputs;
    private readonly Tensor?[] _outputLeaves;
    private readonly Tensor?[] _generatorStates;
    private readonly CheckpointedLayer?[] _layers;
    private readonly Tensor[]?[] _keptSides;
    private readonly List<Tensor> _held = [];

    /// <summary>A pass over <paramref name="checkpointed"/>.Length layers; layer l is recomputed where
    /// <paramref name="checkpointed"/>[l].</summary>
    /// <param name="restoreGenerator">Restore the default generator for the recomputation (false only to show
    /// in a test what it prevents).</param>
    public LayerCheckpoints(bool[] checkpointed, bool restoreGenerator = true)
    {
        ArgumentNullException.ThrowIfNull(checkpointed);
        _checkpointed = (bool[])checkpointed.Clone();
        _restoreGenerator = restoreGenerator;
        var n = checkpointed.Length;
        _inputs = new Tensor?[n];
        _outputLeaves = new Tensor?[n];
        _generatorStates = new Tensor?[n];
        _layers = new CheckpointedLayer?[n];
        _keptSides = new Tensor[]?[n];
        LayerBytes = new long[n];
        Array.Fill(LayerBytes, -1);
    }

    /// <summary>Which layers are recomputed.</summary>
    public IReadOnlyList<bool> Checkpointed => _checkpointed;

    /// <summary>Number of checkpointed layers.</summary>
    public int CheckpointedCount => _checkpointed.Count(c => c);

    /// <summary>Per layer, the bytes its forward pass with autograd left allocated (its activations and outputs), as
    /// the C heap's allocation counter measured them during the recomputation; -1 for a layer not recomputed.</summary>
    public long[] LayerBytes { get; }

    /// <summary>Whether <see cref="Run"/> measures <see cref="LayerBytes"/> (off by default: it costs a walk of the
    /// heap's free lists per layer).</summary>
    public bool Measure { get; init; }

    /// <summary>Keeps <paramref name="tensor"/> (a mask, rotary angles) alive until this pass is disposed, for the
    /// recomputations; returns the handle to use.</summary>
    public Tensor Hold(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var alias = tensor.alias();
        _held.Add(alias);
        return alias;
    }

    /// <summary>Runs <paramref name="layer"/> on <paramref name="input"/>: as it is when the layer is not
    /// checkpointed; otherwise without autograd, returning its output as a new leaf that collects the gradient from
    /// above, and side outputs without a graph (values only: their gradients go to <see cref="Backward"/>).</summary>
    public (Tensor Output, Tensor[] Side) Run(int index, Tensor input, CheckpointedLayer layer)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(layer);
        if (!_checkpointed[index])
        {
            var kept = layer(input);
            _keptSides[index] = kept.Side;
            return kept;
        }
        _inputs[index] = input.alias();
        _layers[index] = layer;
        if (_restoreGenerator)
        {
            _generatorStates[index] = torch.random.get_rng_state();
        }
        Tensor output;
        Tensor[] side;
        using (torch.no_grad())
        {
            (output, side) = layer(input);
        }
        using var values = output;
        var leaf = values.detach().requires_grad_(true);
        _outputLeaves[index] = leaf;
        return (leaf.alias(), side);
    }

    /// <summary>Back-propagates <paramref name="objective"/> (a scalar: the loss) through the pass, recomputing the
    /// checkpointed layers; <paramref name="sideObjective"/>(l, side) gives the scalar whose gradient with respect to
    /// layer l's side outputs is what later work sends them (sum of side x gradient), or null.</summary>
    public void Backward(Tensor objective, Func<int, Tensor[], Tensor?>? sideObjective = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var piece = objective.alias();
        for (var l = _checkpointed.Length - 1; l >= 0; l--)
        {
            if (!_checkpointed[l])
            {
                piece = Add(piece, sideObjective?.Invoke(l, _keptSides[l]!));
                continue;
            }
            // The piece above this layer: it leaves the gradient of the layer's output on the leaf.
            if (piece is not null)
            {
                piece.backward();
                piece.Dispose();
                piece = null;
            }
            var leaf = _outputLeaves[l]!;
            using var outputGradient = leaf.grad;
            var input = _inputs[l]!;
            using var inputLeaf = input.detach().requires_grad_(input.requires_grad);
            var (output, side) = Recompute(l, inputLeaf);
            Tensor? recomputed = null;
            if (outputGradient is not null)
            {
                recomputed = Add(recomputed, Dot(output, outputGradient));
            }
            recomputed = Add(recomputed, sideObjective?.Invoke(l, side));
            if (recomputed is not null)
            {
                recomputed.backward();
                recomputed.Dispose();
            }
            output.Dispose();
            foreach (var t in side)
            {
                t.Dispose();
            }
            // The piece below starts with the gradient of this layer's input.
            if (input.requires_grad && inputLeaf.grad is { } inputGradient)
            {
                using var g = inputGradient;
                piece = Dot(input, g);
            }
        }
        if (piece is not null)
        {
            piece.backward();
            piece.Dispose();
        }
    }

    private (Tensor Output, Tensor[] Side) Recompute(int l, Tensor input)
    {
        using var current = _restoreGenerator ? torch.random.get_rng_state() : null;
        if (_generatorStates[l] is { } saved)
        {
            torch.random.set_rng_state(saved);
        }
        try
        {
            var before = Measure ? NativeHeap.LiveBytes() : 0;
            var result = _layers[l]!(input);
            if (Measure)
            {
                LayerBytes[l] = Math.Max(0, NativeHeap.LiveBytes() - before);
            }
            return result;
        }
        finally
        {
            if (current is not null)
            {
                torch.random.set_rng_state(current);
            }
        }
    }

    // sum(produced * gradient): its gradient with respect to produced is exactly gradient (1 x g).
    private static Tensor Dot(Tensor produced, Tensor gradient)
    {
        using var product = produced.mul(gradient);
        return product.sum();
    }

    private static Tensor? Add(Tensor? sum, Tensor? term)
    {
        if (term is null)
        {
            return sum;
        }
        if (sum is null)
        {
            return term;
        }
        using var a = sum;
        using var b = term;
        return a.add(b, HeldScalars.One);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _inputs.Concat(_outputLeaves).Concat(_generatorStates).Concat(_held))
        {
            t?.Dispose();
        }
        _held.Clear();
    }
}
