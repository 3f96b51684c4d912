using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Sft;

/// <summary>Runs work items forward and backward, accumulating the gradient of the summed next-token
/// cross-entropy into the model's parameters.</summary>
/// <remarks>
/// A dependent item (the chunks c_0..c_{N-1} of one long sequence) follows ChunkFlow's state-aware schedule
/// (arXiv 2503.02356, section 4.2): forward in ascending order, keeping every chunk's keys and values in a state
/// store (what later chunks attend to); the last K chunks keep their activations, the first N-K run without
/// them. Backward in descending order: chunk j (recomputed from the state store when its activations were not
/// kept) back-propagates its own loss plus the gradient that later chunks sent to its keys and values, and sends
/// the gradient of the past keys and values it read on to the chunks they came from. Every parameter gradient
/// is thus the whole sequence's, while at most K chunks' activations are alive at once.
/// </remarks>
public static class ChunkFlowRunner
{
    /// <summary>Forward and backward of <paramref name="item"/>; returns the summed loss and how many chunks were
    /// recomputed. <paramref name="keep"/> is K, clamped to [1, N]; <paramref name="passDone"/>, when given, is called
    /// after every forward or backward pass of a chunk (a liveness signal: a long sequence may take minutes).
    /// <paramref name="checkpointing"/>, when given, plans and measures the activation checkpointing of the blocks in a
    /// batch of rows (the chunks of a dependent item are ChunkFlow's to recompute, as a whole).</summary>
    public static (double LossSum, int Recomputed) Run(
        SftTransformer model, SftWorkItem item, int keep, Action? passDone = null, SftCheckpointPolicy? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(item);
        using var scope = torch.NewDisposeScope();
        if (item.Dependent)
        {
            return RunDependent(model, item.Rows, keep, passDone);
        }
        var loss = RunBatch(model, item.Rows, checkpointing);
        passDone?.Invoke();
        return (loss, 0);
    }

    private static double RunBatch(SftTransformer model, SftChunk[] rows, SftCheckpointPolicy? checkpointing)
    {
        using var input = ChunkInput.Of(rows);
        using var checkpoints = checkpointing?.Begin(rows.Length, input.Length);
        var f = model.Forward(input.Tokens, input.Positions, input.Sequences, null, checkpoints);
        using var loss = SftTransformer.LossSum(f.Logits, input.Labels);
        if (checkpoints is null)
        {
            loss.backward();
        }
        else
        {
            checkpoints.Backward(loss);
        }
        var value = ToDouble(loss);
        Dispose(f);
        checkpointing?.End(checkpoints, rows.Length, input.Length);
        return value;
    }

    private static (double LossSum, int Recomputed) RunDependent(SftTransformer model, SftChunk[] chunks, int keep, Action? passDone)
    {
        var n = chunks.Length;
        var layers = model.Config.Layers;
        keep = Math.Clamp(keep, 1, n);
        var inputs = chunks.Select(c => ChunkInput.Of([c])).ToArray();
        var storeKeys = new Tensor[n][];
        var storeValues = new Tensor[n][];
        var kept = new (Tensor Loss, SftForward Forward, SftPast? Past)?[n];
        var lossSum = 0.0;

        // Forward, ascending.
        for (var j = 0; j < n; j++)
        {
            if (j < n - keep)
            {
                using var noGrad = torch.no_grad();
                var past = Past(inputs, storeKeys, storeValues, j, layers, requiresGrad: false);
                var f = model.Forward(inputs[j].Tokens, inputs[j].Positions, inputs[j].Sequences, past);
                using var loss = SftTransformer.LossSum(f.Logits, inputs[j].Labels);
                lossSum += ToDouble(loss);
                storeKeys[j] = f.Keys;
                storeValues[j] = f.Values;
                f.Logits.Dispose();
                Dispose(past);
            }
            else
            {
                var past = Past(inputs, storeKeys, storeValues, j, layers, requiresGrad: true);
                var f = model.Forward(inputs[j].Tokens, inputs[j].Positions, inputs[j].Sequences, past);
                var loss = SftTransformer.LossSum(f.Logits, inputs[j].Labels);
                lossSum += ToDouble(loss);
                storeKeys[j] = f.Keys.Select(k => k.detach()).ToArray();
                storeValues[j] = f.Values.Select(v => v.detach()).ToArray();
                kept[j] = (loss, f, past);
            }
            passDone?.Invoke();
        }

        // Backward, descending; gradients sent to each chunk's keys and values by the chunks after it.
        var keyGrads = new Tensor?[n][];
        var valueGrads = new Tensor?[n][];
        for (var j = 0; j < n; j++)
        {
            keyGrads[j] = new Tensor?[layers];
            valueGrads[j] = new Tensor?[layers];
        }
        var recomputed = 0;
        for (var j = n - 1; j >= 0; j--)
        {
            if (kept[j] is null)
            {
                var past = Past(inputs, storeKeys, storeValues, j, layers, requiresGrad: true);
                var f = model.Forward(inputs[j].Tokens, inputs[j].Positions, inputs[j].Sequences, past);
                kept[j] = (SftTransformer.LossSum(f.Logits, inputs[j].Labels), f, past);
                recomputed++;
            }
            var (loss, forward, pastLeaves) = kept[j]!.Value;
            var objective = loss.alias();
            for (var l = 0; l < layers; l++)
            {
                objective = AddDot(objective, forward.Keys[l], keyGrads[j][l]);
                objective = AddDot(objective, forward.Values[l], valueGrads[j][l]);
            }
            objective.backward();
            objective.Dispose();
            if (pastLeaves is not null)
            {
                for (var l = 0; l < layers; l++)
                {
                    Scatter(pastLeaves.Keys[l], inputs, j, keyGrads, l);
                    Scatter(pastLeaves.Values[l], inputs, j, valueGrads, l);
                }
            }
            loss.Dispose();
            Dispose(forward);
            Dispose(pastLeaves);
            kept[j] = null;
            foreach (var g in keyGrads[j].Concat(valueGrads[j]))
            {
                g?.Dispose();
            }
            foreach (var t in storeKeys[j].Concat(storeValues[j]))
            {
                t.Dispose();
            }
            passDone?.Invoke();
        }
        foreach (var input in inputs)
        {
            input.Dispose();
        }
        return (lossSum, recomputed);
    }

    private static Tensor AddDot(Tensor objective, Tensor produced, Tensor? gradient)
    {
        if (gradient is null)
        {
            return objective;
        }
        using var product = produced.mul(gradient);
        using var sum = product.sum();
        using var old = objective;
        return old.add(sum, Compute.HeldScalars.One);
    }

    // Splits the gradient of the past keys (or values) chunk j read into the pieces of chunks 0..j-1 and adds them
    // to those chunks' accumulated gradients.
    private static void Scatter(Tensor leaf, ChunkInput[] inputs, int j, Tensor?[][] grads, int layer)
    {
        using var grad = leaf.grad;
        if (grad is null)
        {
            return;
        }
        long offset = 0;
        for (var i = 0; i < j; i++)
        {
            var length = inputs[i].Length;
            using var piece = grad.narrow(2, offset, length);
            if (grads[i][layer] is { } sum)
            {
                sum.add_(piece, Compute.HeldScalars.One);
            }
            else
            {
                grads[i][layer] = piece.clone();
            }
            offset += length;
        }
    }

    private static SftPast? Past(ChunkInput[] inputs, Tensor[][] keys, Tensor[][] values, int j, int layers, bool requiresGrad)
    {
        if (j == 0)
        {
            return null;
        }
        var pastKeys = new Tensor[layers];
        var pastValues = new Tensor[layers];
        for (var l = 0; l < layers; l++)
        {
            pastKeys[l] = torch.cat(keys.Take(j).Select(k => k[l]).ToArray(), 2).detach().requires_grad_(requiresGrad);
            pastValues[l] = torch.cat(values.Take(j).Select(v => v[l]).ToArray(), 2).detach().requires_grad_(requiresGrad);
        }
        return new SftPast(pastKeys, pastValues,
            torch.cat(inputs.Take(j).Select(i => i.Sequences).ToArray(), 1),
            torch.cat(inputs.Take(j).Select(i => i.Positions).ToArray(), 1));
    }

    private static double ToDouble(Tensor scalar)
    {
        using var d = scalar.detach().to_type(ScalarType.Float64);
        return d.item<double>();
    }

    private static void Dispose(SftForward f)
    {
        f.Logits.Dispose();
        foreach (var t in f.Keys.Concat(f.Values))
        {
            t.Dispose();
        }
    }

    private static void Dispose(SftPast? past)
    {
        if (past is null)
        {
            return;
        }
        foreach (var t in past.Keys.Concat(past.Values))
        {
            t.Dispose();
        }
        past.Sequences.Dispose();
        past.Positions.Dispose();
    }
}

/// <summary>A batch of rows of equal length as int64 tensors [B, T].</summary>
internal sealed class ChunkInput : IDisposable
{
    private ChunkInput(Tensor tokens, Tensor labels, Tensor positions, Tensor sequences, int length)
    {
        Tokens = tokens;
        Labels = labels;
        Positions = positions;
        Sequences = sequences;
        Length = length;
    }

    public Tensor Tokens { get; }

    public Tensor Labels { get; }

    public Tensor Positions { get; }

    public Tensor Sequences { get; }

    public int Length { get; }

    public static ChunkInput Of(SftChunk[] rows)
    {
        var length = rows[0].Length;
        if (rows.Any(r => r.Length != length))
        {
            throw new ArgumentException("rows of a batch must have equal lengths", nameof(rows));
        }
        Tensor Make(Func<SftChunk, int[]> field)
        {
            var flat = new long[rows.Length * length];
            for (var b = 0; b < rows.Length; b++)
            {
                var values = field(rows[b]);
                for (var t = 0; t < length; t++)
                {
                    flat[b * length + t] = values[t];
                }
            }
            return torch.tensor(flat, [rows.Length, length]);
        }
        return new ChunkInput(Make(r => r.Tokens), Make(r => r.Labels), Make(r => r.Positions), Make(r => r.Sequences), length);
    }

    public void Dispose()
    {
        Tokens.Dispose();
        Labels.Dispose();
        Positions.Dispose();
        Sequences.Dispose();
    }
}
