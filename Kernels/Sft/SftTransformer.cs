using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Sft;

/// <summary>Keys and values of earlier chunks that a chunk attends to: per block [B, H, P, D], with the sequence
/// id and position of each of the P past tokens ([B, P]).</summary>
public sealed record SftPast(Tensor[] Keys, Tensor[] Values, Tensor Sequences, Tensor Positions);

/// <summary>What a forward pass over one chunk gives: logits [B, T, V] and, per block, the chunk's own rotated
/// keys and values [B, H, T, D].</summary>
public sealed record SftForward(Tensor Logits, Tensor[] Keys, Tensor[] Values);

/// <summary>A causal transformer language model (GPT-2 layout, pre-LayerNorm, rotary positions) that runs on
/// chunks: packed short sequences kept apart by a block-diagonal mask, and pieces of long sequences that attend
/// to the keys and values of their earlier pieces.</summary>
/// <remarks>A token at position p of sequence s attends to the tokens of s at positions &lt;= p, in its chunk or
/// in the past, and to nothing else: so a chunk's output equals the same rows of the whole sequence's forward.</remarks>
public sealed class SftTransformer : nn.Module
{
    // State-dict keys wte.weight, h.0.ln_1.weight, ..., ln_f.*, lm_head.weight.
    private readonly Embedding wte;
    private readonly ModuleList<SftBlock> h;
    private readonly LayerNorm ln_f;
    private readonly Linear lm_head;
    private readonly SftModelConfig _config;
    private readonly ScalarType _dtype;

    /// <summary>Creates the model with weights from <paramref name="seed"/> (N(0, 0.02) as GPT-2, LayerNorms 1 and 0).</summary>
    public SftTransformer(SftModelConfig config, long seed, ScalarType dtype = ScalarType.Float32) : base("sft")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _dtype = dtype;
        wte = nn.Embedding(config.Vocabulary, config.DModel, dtype: dtype);
        h = new ModuleList<SftBlock>();
        for (var i = 0; i < config.Layers; i++)
        {
            h.Add(new SftBlock(config.DModel, config.Heads, config.FeedForward, dtype));
        }
        ln_f = nn.LayerNorm(config.DModel, dtype: dtype);
        lm_head = nn.Linear(config.DModel, config.Vocabulary, hasBias: false, dtype: dtype);
        RegisterComponents();
        Initialize(seed);
    }

    /// <summary>The model's shape.</summary>
    public SftModelConfig Config => _config;

    /// <summary>Element type of weights and activations.</summary>
    public ScalarType DType => _dtype;

    /// <summary>Forward over a chunk [B, T] of token ids with their positions and sequence ids (int64 tensors);
    /// padding has sequence id -1 and is never attended to by other tokens.</summary>
    /// <param name="checkpoints">When given, the blocks run through it (activation checkpointing): its
    /// <see cref="LayerCheckpoints.Backward"/> then replaces the loss's backward, and a checkpointed block's keys and
    /// values come back without a graph.</param>
    public SftForward Forward(Tensor tokens, Tensor positions, Tensor sequences, SftPast? past, LayerCheckpoints? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var (cos, sin) = RotaryEmbedding.Angles(positions, _config.HeadDim, _dtype);
        using var c = cos;
        using var s = sin;
        using var mask = Mask(positions, sequences, past);
        var keys = new Tensor[_config.Layers];
        var values = new Tensor[_config.Layers];
        var x = wte.forward(tokens);
        if (checkpoints is not null)
        {
            // The recomputations in the backward pass read the angles and the mask after this method returned.
            var (heldCos, heldSin, heldMask) = (checkpoints.Hold(c), checkpoints.Hold(s), checkpoints.Hold(mask));
            for (var layer = 0; layer < _config.Layers; layer++)
            {
                using var input = x;
                var block = h[layer];
                var (pastKeys, pastValues) = (past?.Keys[layer], past?.Values[layer]);
                Tensor[] side;
                (x, side) = checkpoints.Run(layer, input, i =>
                {
                    var (y, k, v) = block.Forward(i, heldCos, heldSin, heldMask, pastKeys, pastValues);
                    return (y, [k, v]);
                });
                (keys[layer], values[layer]) = (side[0], side[1]);
            }
        }
        for (var layer = 0; checkpoints is null && layer < _config.Layers; layer++)
        {
            using var input = x;
            (x, keys[layer], values[layer]) = h[layer].Forward(input, c, s, mask, past?.Keys[layer], past?.Values[layer]);
        }
        using var last = x;
        using var normed = ln_f.forward(last);
        return new SftForward(lm_head.forward(normed), keys, values);
    }

    /// <summary>Sum of the next-token cross-entropies of <paramref name="logits"/> [B, T, V] against
    /// <paramref name="labels"/> [B, T] (-100: no target).</summary>
    public static Tensor LossSum(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        using var flat = logits.reshape(-1, logits.shape[^1]);
        using var targets = labels.reshape(-1);
        return nn.functional.cross_entropy(flat, targets, ignore_index: -100, reduction: nn.Reduction.Sum);
    }

    /// <summary>Token embeddings [B, T, d] of <paramref name="tokens"/> (the first blocks' input).</summary>
    internal Tensor Embed(Tensor tokens) => wte.forward(tokens);

    /// <summary>Decoder block <paramref name="layer"/>.</summary>
    internal SftBlock Block(int layer) => h[layer];

    /// <summary>Logits [B, T, V] of the last block's output.</summary>
    internal Tensor Head(Tensor x)
    {
        using var normed = ln_f.forward(x);
        return lm_head.forward(normed);
    }

    // allowed[b, 0, i, j] = key j is of query i's sequence and not after it (keys: past, then the chunk).
    private static Tensor Mask(Tensor positions, Tensor sequences, SftPast? past)
    {
        using var keyPositions = past is null ? positions.alias() : torch.cat([past.Positions, positions], 1);
        using var keySequences = past is null ? sequences.alias() : torch.cat([past.Sequences, sequences], 1);
        using var qs = sequences.unsqueeze(-1);
        using var ks = keySequences.unsqueeze(1);
        using var qp = positions.unsqueeze(-1);
        using var kp = keyPositions.unsqueeze(1);
        using var same = qs.eq(ks);
        using var before = kp.le(qp);
        using var allowed = same.logical_and(before);
        return allowed.unsqueeze(1);
    }

    private void Initialize(long seed)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("ln_", StringComparison.Ordinal))
            {
                using var value = name.EndsWith("weight", StringComparison.Ordinal) ? torch.ones_like(p) : torch.zeros_like(p);
                p.copy_(value);
            }
            else
            {
                using var value = torch.randn(p.shape, dtype: ScalarType.Float64, generator: generator);
                using var std = 0.02.ToScalar();
                using var scaled = value.mul(std).to_type(_dtype);
                p.copy_(scaled);
            }
        }
    }
}
