using Dataflow.Kernels.Compute;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Per-sample gradients from one batched backward pass: while a forward pass runs, every parameterised layer
/// records its input and adds a zero "probe" leaf to its output; the backward pass of sum_x f(x) then leaves in each
/// probe the gradient of f with respect to that layer's output, row by row, and each parameter's per-sample gradient
/// follows in closed form (linear: sum over positions of output gradient times input; LayerNorm: of output gradient
/// times normalised input; embeddings: output gradients gathered by token or position).</summary>
/// <remarks>Valid because no operation of the wavefunction mixes configurations of a batch: a configuration's output
/// depends on its own rows only. One backward pass replaces B of them (the Jacobians of stochastic reconfiguration).</remarks>
internal sealed class LogDerivativeTape : IDisposable
{
    private readonly List<Entry> _entries = [];
    private readonly List<Tensor> _owned = [];

    private enum Kind
    {
        Linear,
        LayerNorm,
        TokenEmbedding,
        PositionEmbedding,
    }

    private sealed record Entry(Kind Kind, nn.Module Module, Tensor Input, Tensor Probe);

    /// <summary>The layer applied to <paramref name="input"/> [..., in], recorded when <paramref name="tape"/> is not null.</summary>
    public static Tensor Apply(LogDerivativeTape? tape, Linear layer, Tensor input)
    {
        var output = layer.forward(input);
        if (tape is null)
        {
            return output;
        }
        return tape.Record(Kind.Linear, layer, input.detach(), output);
    }

    /// <summary>The layer applied to <paramref name="input"/> [..., d], recorded when <paramref name="tape"/> is not null.</summary>
    public static Tensor Apply(LogDerivativeTape? tape, LayerNorm layer, Tensor input)
    {
        var output = layer.forward(input);
        if (tape is null)
        {
            return output;
        }
        Tensor normalized;
        using (no_grad())
        {
            normalized = nn.functional.layer_norm(input.detach(), [input.shape[^1]]);
        }
        return tape.Record(Kind.LayerNorm, layer, normalized, output);
    }

    /// <summary>The sum of token and position embeddings [B, T, d] of <paramref name="inputs"/> [B, T], recorded when
    /// <paramref name="tape"/> is not null (both tables share the probe: their per-sample gradients are the same
    /// output gradient, gathered by token and by position).</summary>
    public static Tensor Embed(LogDerivativeTape? tape, Embedding tokens, Embedding positions, Tensor inputs)
    {
        var length = inputs.shape[1];
        using var index = arange(length, ScalarType.Int64);
        using var tok = tokens.forward(inputs);
        using var pos = positions.forward(index);
        var sum = tok.add(pos, HeldScalars.One);
        if (tape is null)
        {
            return sum;
        }
        var probed = tape.Record(Kind.TokenEmbedding, tokens, inputs.alias(), sum);
        var probe = tape._entries[^1].Probe;
        tape._entries.Add(new Entry(Kind.PositionEmbedding, positions, tape.Own(index.alias()), probe));
        return probed;
    }

    /// <summary>Adds a probe to <paramref name="output"/> (which it disposes) and keeps <paramref name="input"/>, a tensor
    /// of the caller's that the tape now owns.</summary>
    private Tensor Record(Kind kind, nn.Module module, Tensor input, Tensor output)
    {
        var probe = Own(zeros_like(output).requires_grad_(true));
        var probed = output.add(probe, HeldScalars.One);
        output.Dispose();
        _entries.Add(new Entry(kind, module, Own(input), probe));
        return probed;
    }

    private Tensor Own(Tensor tensor)
    {
        _owned.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }

    /// <summary>After the backward pass of sum_x f(x) over <paramref name="batch"/> configurations: each recorded
    /// parameter's per-sample gradient [B, numel], keyed by its <c>named_parameters</c> name; <paramref name="modules"/>
    /// names the recorded layers (<c>named_modules</c> of the model) and <paramref name="parameters"/> gives the shapes.</summary>
    public Dictionary<string, Tensor> PerSampleGradients(
        long batch, IReadOnlyDictionary<nn.Module, string> modules, IReadOnlyDictionary<string, Tensor> parameters)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var e in _entries)
        {
            var prefix = modules.TryGetValue(e.Module, out var name)
                ? name
                : throw new InvalidOperationException("a recorded layer is not a module of the model");
            var weight = prefix + ".weight";
            var bias = prefix + ".bias";
            var grad = e.Probe.grad ?? zeros_like(e.Probe);
            switch (e.Kind)
            {
                case Kind.Linear:
                {
                    var g = grad.reshape(batch, -1, grad.shape[^1]);
                    var a = e.Input.reshape(batch, -1, e.Input.shape[^1]);
                    Add(result, weight, g.transpose(1, 2).bmm(a).reshape(batch, -1));
                    Add(result, bias, g.sum(1));
                    break;
                }
                case Kind.LayerNorm:
                {
                    var g = grad.reshape(batch, -1, grad.shape[^1]);
                    var n = e.Input.reshape(batch, -1, e.Input.shape[^1]);
                    Add(result, weight, g.mul(n).sum(1));
                    Add(result, bias, g.sum(1));
                    break;
                }
                case Kind.TokenEmbedding:
                {
                    // [B, V, T] one-hot times [B, T, d] output gradients: each token row sums its positions.
                    var oneHot = nn.functional.one_hot(e.Input, parameters[weight].shape[0]).to_type(grad.dtype).transpose(1, 2);
                    Add(result, weight, oneHot.bmm(grad).reshape(batch, -1));
                    break;
                }
                case Kind.PositionEmbedding:
                {
                    var shape = parameters[weight].shape;
                    var full = zeros(batch, shape[0], shape[1], grad.dtype);
                    full.narrow(1, 0, e.Input.shape[0]).copy_(grad);
                    Add(result, weight, full.reshape(batch, -1));
                    break;
                }
            }
        }
        return result;
    }

    private static void Add(Dictionary<string, Tensor> result, string parameter, Tensor gradient)
        => result[parameter] = result.TryGetValue(parameter, out var existing) ? existing.add(gradient, HeldScalars.One) : gradient;

    public void Dispose()
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }
        _owned.Clear();
        _entries.Clear();
    }
}
