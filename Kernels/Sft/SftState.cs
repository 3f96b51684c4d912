using System.Security.Cryptography;
using MessagePack;

namespace Dataflow.Kernels.Sft;

/// <summary>The complete state of an <c>sft</c> job after <see cref="Step"/> steps: weights, AdamW moments and the
/// counts the result reports. Restoring it and going on gives the bits of never stopping.</summary>
/// <param name="Tokens">Tokens trained on so far (padding not counted).</param>
/// <param name="ComputedTokens">Tokens the model ran so far, padding included.</param>
/// <param name="Recomputed">Chunks recomputed so far.</param>
/// <param name="Chunks">Chunks or rows run so far.</param>
/// <param name="PeakMemoryBytes">Highest trainer high-water mark reported so far.</param>
/// <param name="CheckpointedLayers">Blocks recomputed by activation checkpointing so far.</param>
/// <param name="PlanChanges">Checkpointing plan changes so far, all trainers.</param>
/// <param name="PeakPassBytes">Highest measured peak of one pass above the memory before it, all trainers.</param>
/// <param name="PassesOverBudget">Passes whose measured peak was above the memory budget so far.</param>
[MessagePackObject]
public sealed record SftState(
    [property: Key(0)] long Step,
    [property: Key(1)] float[] Parameters,
    [property: Key(2)] float[] AdamM,
    [property: Key(3)] float[] AdamV,
    [property: Key(4)] double LastLoss,
    [property: Key(5)] long Tokens = 0,
    [property: Key(6)] long ComputedTokens = 0,
    [property: Key(7)] long Recomputed = 0,
    [property: Key(8)] long Chunks = 0,
    [property: Key(9)] long PeakMemoryBytes = 0,
    [property: Key(10)] long CheckpointedLayers = 0,
    [property: Key(11)] long PlanChanges = 0,
    [property: Key(12)] long PeakPassBytes = 0,
    [property: Key(13)] long PassesOverBudget = 0)
{
    /// <summary>The state before the first step.</summary>
    public static SftState Initial(SftSettings settings)
    {
        var p = SftTrainer.InitialParameters(settings);
        return new SftState(0, p, new float[p.Length], new float[p.Length], double.NaN);
    }

    /// <summary>The state after one AdamW step (Loshchilov and Hutter 2019, Algorithm 2, as torch.optim.AdamW) with
    /// the gradients of the logical workers, summed in worker order and divided by the step's target tokens.</summary>
    public SftState Apply(IReadOnlyList<SftGradient> ordered, SftSettings settings)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(settings);
        var n = Parameters.Length;
        var sum = new float[n];
        long targets = 0;
        var loss = 0.0;
        // Logical order: the same float additions on any placement.
        foreach (var g in ordered)
        {
            for (var j = 0; j < n; j++)
            {
                sum[j] += g.Gradient[j];
            }
            targets += g.Targets;
            loss += g.LossSum;
        }
        var scale = (float)(1.0 / Math.Max(1, targets));
        var p = (float[])Parameters.Clone();
        var m = (float[])AdamM.Clone();
        var v = (float[])AdamV.Clone();
        var t = Step + 1;
        var lr = settings.LearningRate;
        var decay = (float)(1.0 - lr * SftSettings.WeightDecay);
        var b1 = (float)SftSettings.Beta1;
        var b2 = (float)SftSettings.Beta2;
        var c1 = (float)(1.0 - SftSettings.Beta1);
        var c2 = (float)(1.0 - SftSettings.Beta2);
        var sqrtBias2 = (float)Math.Sqrt(1.0 - Math.Pow(SftSettings.Beta2, t));
        var eps = (float)SftSettings.Epsilon;
        var step = (float)(-lr / (1.0 - Math.Pow(SftSettings.Beta1, t)));
        for (var j = 0; j < n; j++)
        {
            var g = sum[j] * scale;
            m[j] = b1 * m[j] + c1 * g;
            v[j] = b2 * v[j] + c2 * g * g;
            var denominator = MathF.Sqrt(v[j]) / sqrtBias2 + eps;
            p[j] = p[j] * decay + step * m[j] / denominator;
        }
        return new SftState(t, p, m, v, loss / Math.Max(1, targets),
            Tokens + ordered.Sum(g => g.Tokens),
            ComputedTokens + ordered.Sum(g => g.ComputedTokens),
            Recomputed + ordered.Sum(g => (long)g.Recomputed),
            Chunks + ordered.Sum(g => (long)g.Chunks),
            Math.Max(PeakMemoryBytes, ordered.Max(g => g.PeakMemoryBytes)),
            CheckpointedLayers + ordered.Sum(g => g.CheckpointedLayers),
            PlanChanges + ordered.Sum(g => g.PlanChanges),
            Math.Max(PeakPassBytes, ordered.Max(g => g.PeakPassBytes)),
            PassesOverBudget + ordered.Sum(g => g.PassesOverBudget));
    }

    /// <summary>Serialised form (MessagePack with a trailing SHA-256, so truncation is detected).</summary>
    public byte[] ToBytes()
    {
        var body = MessagePackSerializer.Serialize(this);
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Parses <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> on anything else.</summary>
    public static SftState FromBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < 33 || !SHA256.HashData(data.AsSpan(0, data.Length - 32)).AsSpan().SequenceEqual(data.AsSpan(data.Length - 32)))
        {
            throw new InvalidDataException("not an sft checkpoint, or truncated: SHA-256 mismatch");
        }
        try
        {
            return MessagePackSerializer.Deserialize<SftState>(data.AsMemory(0, data.Length - 32));
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"sft checkpoint is malformed: {e.Message}", e);
        }
    }

    /// <summary>The file name of the step-<paramref name="step"/> checkpoint: <c>step-00000010.ckpt</c>.</summary>
    public static string FileName(long step) => $"step-{step:D8}.ckpt";
}
