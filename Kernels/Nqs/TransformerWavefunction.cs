using Dataflow.Kernels.Compute;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Autoregressive decoder-only transformer wavefunction psi(x) = |psi(x)| exp(i phi(x)) over
/// configurations of a <see cref="ConfigurationSpace"/> (NNQS-Transformer, Wu et al., SC'23, arXiv 2306.16705).</summary>
/// <remarks>
/// <para>Position i (0..K-1) reads the token of orbital i - 1 (a start token at i = 0) plus a learned position
/// embedding; pre-LayerNorm causal decoder layers follow, and <c>amp_head</c> gives logits over the four tokens
/// of orbital i. Tokens that would make the electron count per spin unreachable are masked before the softmax
/// (see <see cref="ConfigurationSpace.IsAllowed"/>), so the conditionals are normalised over valid completions
/// and log|psi(x)| = 1/2 sum_i log p(x_i | x_&lt;i) is normalised over the space.</para>
/// <para><c>phase_head</c> is an MLP of its own reading the one-hot tokens of the whole configuration [4 K] and giving
/// phi(x). Sharing the decoder with the amplitude left the phase unable to flip the signs of the excitations that carry
/// the correlation energy: VMC on LiH stalled at the Hartree-Fock energy. A separate network keeps |psi| independent of
/// the phase parameters and the phase independent of the decoder.</para>
/// <para>State-dict keys follow GPT-2: <c>wte</c>, <c>wpe</c>, <c>h.{l}.ln_1</c>, <c>h.{l}.attn.c_attn</c>, ...,
/// <c>ln_f</c>, plus <c>amp_head</c> and <c>phase_head.fc</c>, <c>phase_head.out</c>.</para>
/// </remarks>
public sealed class TransformerWavefunction : nn.Module<Tensor, (Tensor LogAmplitude, Tensor Phase)>
{
    /// <summary>Input token of position 0.</summary>
    public const int StartToken = OrbitalTokens.Count;

    // Large negative logit for masked tokens: exp underflows to exactly 0 in float32 and float64, and unlike
    // -inf it leaves no NaN in the softmax or its gradient when a whole row is masked (invalid input).
    private const double MaskedLogit = -1e30;
    private readonly Scalar _maskedLogit;
    private readonly Scalar _startToken;
    private const int FileVersion = 2;
    private const string FileMagic = "DFNQS";

    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly ModuleList<DecoderBlock> h;
    private readonly LayerNorm ln_f;
    private readonly Linear amp_head;
    private readonly Sequential phase_head;

    /// <summary>Builds the network and initialises it deterministically from <paramref name="seed"/>.</summary>
    public TransformerWavefunction(ConfigurationSpace space, NqsModelOptions options, long seed)
        : base(nameof(TransformerWavefunction))
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Space = space;
        Options = options;
        DType = options.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var d = options.DModel;
        // Held for the model's life (see HeldScalars).
        _maskedLogit = MaskedLogit.ToScalar();
        _startToken = ((long)StartToken).ToScalar();
        wte = nn.Embedding(OrbitalTokens.Count + 1, d, dtype: DType);
        wpe = nn.Embedding(space.Orbitals, d, dtype: DType);
        h = nn.ModuleList(Enumerable.Range(0, options.Layers)
            .Select(_ => new DecoderBlock(d, options.Heads, options.FeedForwardMultiple * d, DType))
            .ToArray());
        ln_f = nn.LayerNorm(d, dtype: DType);
        amp_head = nn.Linear(d, OrbitalTokens.Count, dtype: DType);
        phase_head = nn.Sequential(
            ("fc", nn.Linear(OrbitalTokens.Count * space.Orbitals, options.PhaseHidden, dtype: DType)),
            ("tanh", nn.Tanh()),
            ("out", nn.Linear(options.PhaseHidden, 1, dtype: DType)));
        RegisterComponents();
        Initialize(seed);
    }

    /// <summary>The configurations this ansatz describes.</summary>
    public ConfigurationSpace Space { get; }

    /// <summary>The hyper-parameters it was built with.</summary>
    public NqsModelOptions Options { get; }

    /// <summary>Floating type of parameters and activations.</summary>
    public ScalarType DType { get; }

    /// <summary>Overwrites every parameter from a generator seeded with <paramref name="seed"/>: weights
    /// N(0, InitStd) (residual output projections N(0, InitStd / sqrt(2 L))), biases 0, LayerNorm gains 1.</summary>
    /// <remarks>Parameters are visited in registration order, so equal seeds give bitwise equal models.</remarks>
    public void Initialize(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        var std = Options.InitStd;
        var residualStd = std / Math.Sqrt(2.0 * Options.Layers);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                p.zero_();
            }
            else if (name.StartsWith("ln_", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal))
            {
                p.fill_(1.0);
            }
            else
            {
                // Tensor.normal_, not nn.init.normal_: in TorchSharp 0.107 the latter ignores its generator.
                p.normal_(0.0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : std, generator);
            }
        }
    }

    /// <summary>log|psi(x)| and phi(x) of a batch of configurations, int64 tokens [B, K]; differentiable.</summary>
    /// <remarks>log|psi| is -inf for a configuration outside the space (wrong electron count).</remarks>
    public override (Tensor LogAmplitude, Tensor Phase) forward(Tensor tokens)
    {
        CheckTokens(tokens);
        using var scope = NewDisposeScope();
        var logAmplitude = LogAmplitude(tokens, null);
        var phase = Phase(tokens);
        return scope.MoveToOuter(logAmplitude, phase);
    }

    private Tensor LogAmplitude(Tensor tokens, LogDerivativeTape? tape)
    {
        using var scope = NewDisposeScope();
        var hidden = Hidden(WithStart(tokens.narrow(1, 0, Space.Orbitals - 1)), tape);
        var (logp, allowed) = MaskedLogProbabilities(hidden, tokens, tape);
        var index = tokens.unsqueeze(-1);
        var picked = logp.gather(2, index).squeeze(-1);
        var valid = allowed.gather(2, index).squeeze(-1).all(1);
        return picked.sum(1).mul(HeldScalars.Half).masked_fill(valid.logical_not(), HeldScalars.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Whether <paramref name="name"/> (a key of <c>named_parameters</c>) belongs to the phase network; all others
    /// shape |psi| only.</summary>
    public static bool IsPhaseParameter(string name) => name.StartsWith("phase_head.", StringComparison.Ordinal);

    /// <summary>Per-configuration derivatives of log|psi(x)| with respect to the amplitude parameters [B, n_a] and of phi(x)
    /// with respect to the phase parameters [B, n_p], float64, columns in <c>parameters()</c> order within each group
    /// (see <see cref="IsPhaseParameter"/>); from one batched forward and backward pass each (see
    /// <see cref="LogDerivativeTape"/>). The configurations must be valid.</summary>
    public (Tensor Amplitude, Tensor Phase) LogDerivatives(Tensor tokens)
    {
        CheckTokens(tokens);
        using var scope = NewDisposeScope();
        var batch = tokens.shape[0];
        var modules = new Dictionary<nn.Module, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, module) in named_modules())
        {
            modules[module] = name;
        }
        var parameters = named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        Tensor Columns(Func<LogDerivativeTape, Tensor> output, bool phase)
        {
            using var tape = new LogDerivativeTape();
            zero_grad();
            using (var inner = NewDisposeScope())
            {
                output(tape).sum().backward();
            }
            var perSample = tape.PerSampleGradients(batch, modules, parameters);
            var columns = new List<Tensor>();
            foreach (var (name, _) in named_parameters())
            {
                if (IsPhaseParameter(name) != phase)
                {
                    continue;
                }
                columns.Add(perSample.TryGetValue(name, out var g)
                    ? g.to_type(ScalarType.Float64)
                    : throw new InvalidOperationException($"no per-sample gradient recorded for {name}"));
            }
            zero_grad();
            return cat(columns, 1);
        }
        var amplitude = Columns(tape => LogAmplitude(tokens, tape), phase: false);
        var phaseColumns = Columns(tape => PhaseOf(tokens, tape), phase: true);
        return scope.MoveToOuter(amplitude, phaseColumns);
    }

    /// <summary>phi(x) [B] of valid rows without padding, its layers recorded on <paramref name="tape"/>.</summary>
    private Tensor PhaseOf(Tensor tokens, LogDerivativeTape tape)
    {
        using var scope = NewDisposeScope();
        var oneHot = nn.functional.one_hot(tokens, OrbitalTokens.Count).to_type(DType).flatten(1);
        var fc = (Linear)phase_head[0];
        var output = (Linear)phase_head[2];
        var hidden = LogDerivativeTape.Apply(tape, fc, oneHot).tanh();
        return LogDerivativeTape.Apply(tape, output, hidden).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>log|psi(x)| and phi(x) of a batch of configurations, int64 tokens [B, K]; differentiable.</summary>
    public (Tensor LogAmplitude, Tensor Phase) LogAmplitudeAndPhase(Tensor tokens) => forward(tokens);

    /// <summary>phi(x) [B] of configurations, int64 tokens [B, K], from the phase MLP alone; differentiable.</summary>
    public Tensor Phase(Tensor tokens)
    {
        CheckTokens(tokens);
        using var scope = NewDisposeScope();
        // Whole blocks of rows, as in decoding (see IncrementalState), so a configuration's phase has the same bits in any batch.
        var batch = tokens.shape[0];
        var padded = IncrementalState.Padded((int)batch);
        var rows = tokens;
        if (padded != batch)
        {
            var index = new long[padded];
            for (var i = 0; i < padded; i++)
            {
                index[i] = Math.Min(i, batch - 1);
            }
            rows = tokens.index_select(0, tensor(index));
        }
        var oneHot = nn.functional.one_hot(rows, OrbitalTokens.Count).to_type(DType).flatten(1);
        return phase_head.forward(oneHot).squeeze(-1).narrow(0, 0, batch).MoveToOuterDisposeScope();
    }

    /// <summary>log|psi(x)| and phi(x) of configurations given flat, K tokens each; differentiable.</summary>
    public (Tensor LogAmplitude, Tensor Phase) LogAmplitudeAndPhase(ReadOnlySpan<byte> tokens)
    {
        using var t = TokenTensor(tokens);
        return forward(t);
    }

    /// <summary>Masked conditional log-probabilities log p(c | x_&lt;i) [B, K, 4] of every position of every
    /// configuration in <paramref name="tokens"/> [B, K]; -inf for tokens the electron count forbids.</summary>
    public Tensor ConditionalLogProbabilities(Tensor tokens)
    {
        CheckTokens(tokens);
        using var scope = NewDisposeScope();
        var hidden = Hidden(WithStart(tokens.narrow(1, 0, Space.Orbitals - 1)));
        var (logp, allowed) = MaskedLogProbabilities(hidden, tokens);
        return logp.masked_fill(allowed.logical_not(), HeldScalars.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Masked log p(c | prefix) [B, 4] of the orbital after each prefix in <paramref name="prefixes"/>
    /// [B, d] (d &lt; K), by a full forward over the prefix: the reference for <see cref="Step"/>, no cache.</summary>
    public Tensor NextLogProbabilities(Tensor prefixes)
    {
        var depth = (int)prefixes.shape[1];
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(depth, Space.Orbitals, nameof(prefixes));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = Hidden(WithStart(prefixes));
        var logits = amp_head.forward(hidden.select(1, depth));
        var (alphaUsed, betaUsed) = Counts(prefixes);
        var allowed = Allowed(alphaUsed, betaUsed, Space.Orbitals - 1 - depth);
        return MaskedLogSoftmax(logits, allowed).masked_fill(allowed.logical_not(), HeldScalars.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Starts incremental decoding of <paramref name="batch"/> empty prefixes.</summary>
    public IncrementalState Begin(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        var headDim = Options.DModel / Options.Heads;
        var rows = IncrementalState.Padded(batch);
        long[] shape = [Space.Orbitals, rows, Options.Heads, headDim];
        var keys = new Tensor[Options.Layers];
        var values = new Tensor[Options.Layers];
        for (var l = 0; l < Options.Layers; l++)
        {
            keys[l] = zeros(shape, DType).DetachFromDisposeScope();
            values[l] = zeros(shape, DType).DetachFromDisposeScope();
        }
        return new IncrementalState(
            keys,
            values,
            zeros(rows, ScalarType.Int64).DetachFromDisposeScope(),
            zeros(rows, ScalarType.Int64).DetachFromDisposeScope(),
            0,
            batch);
    }

    /// <summary>Feeds one token per row and returns the masked conditional log-probabilities [B, 4] of the
    /// next orbital (-inf where forbidden); only the new position runs through the layers.</summary>
    /// <param name="state">From <see cref="Begin"/>; its <see cref="IncrementalState.Position"/> i &lt; K names the
    /// orbital whose distribution is returned.</param>
    /// <param name="lastTokens">The token of orbital i - 1 of each row; ignored (may be null) at i = 0, where the
    /// start token is fed.</param>
    /// <remarks>Inference only (no autograd graph).</remarks>
    public Tensor Step(IncrementalState state, long[]? lastTokens)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(state.Position, Space.Orbitals, nameof(state));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var remaining = Space.Orbitals - 1 - state.Position;
        var x = Advance(state, lastTokens);
        var logits = amp_head.forward(x);
        var allowed = Allowed(state.AlphaUsed, state.BetaUsed, remaining);
        var logp = MaskedLogSoftmax(logits, allowed).masked_fill(allowed.logical_not(), HeldScalars.NegativeInfinity);
        return logp.narrow(0, 0, state.Batch).MoveToOuterDisposeScope();
    }

    /// <summary>Writes the options, the space and the state dict to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(FileMagic);
        writer.Write(FileVersion);
        writer.Write(Space.Orbitals);
        writer.Write(Space.AlphaElectrons);
        writer.Write(Space.BetaElectrons);
        writer.Write(Options.Layers);
        writer.Write(Options.DModel);
        writer.Write(Options.Heads);
        writer.Write(Options.FeedForwardMultiple);
        writer.Write(Options.PhaseHidden);
        writer.Write(Options.Float64);
        writer.Write(Options.InitStd);
        save(writer);
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    public static TransformerWavefunction Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var magic = reader.ReadString();
        var version = reader.ReadInt32();
        if (magic != FileMagic || version != FileVersion)
        {
            throw new InvalidDataException($"{path}: not an NQS transformer file of version {FileVersion}");
        }
        var space = new ConfigurationSpace(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        var options = new NqsModelOptions
        {
            Layers = reader.ReadInt32(),
            DModel = reader.ReadInt32(),
            Heads = reader.ReadInt32(),
            FeedForwardMultiple = reader.ReadInt32(),
            PhaseHidden = reader.ReadInt32(),
            Float64 = reader.ReadBoolean(),
            InitStd = reader.ReadDouble(),
        };
        var model = new TransformerWavefunction(space, options, 0);
        model.load(reader, strict: true);
        return model;
    }

    /// <summary>Flat tokens (K per configuration) as an int64 tensor [B, K].</summary>
    public Tensor TokenTensor(ReadOnlySpan<byte> tokens)
    {
        var k = Space.Orbitals;
        if (tokens.Length % k != 0)
        {
            throw new ArgumentException($"{tokens.Length} tokens are not a whole number of {k}-orbital configurations", nameof(tokens));
        }
        var values = new long[tokens.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = tokens[i] <= OrbitalTokens.Double
                ? tokens[i]
                : throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], "tokens are 0..3");
        }
        return tensor(values, [tokens.Length / k, k]);
    }

    /// <summary>Final hidden states [B, T, d] (after ln_f) of input sequences [B, T] that begin with the start token.</summary>
    private Tensor Hidden(Tensor inputs, LogDerivativeTape? tape = null)
    {
        var x = LogDerivativeTape.Embed(tape, wte, wpe, inputs);
        foreach (var block in h)
        {
            var next = block.Forward(x, tape);
            x.Dispose();
            x = next;
        }
        using var last = x;
        return LogDerivativeTape.Apply(tape, ln_f, last);
    }

    /// <summary>Runs the state's next position for <paramref name="lastTokens"/> and returns its final hidden state [B, d].</summary>
    private Tensor Advance(IncrementalState state, long[]? lastTokens)
    {
        var batch = state.Batch;
        var position = state.Position;
        Tensor input;
        if (position == 0)
        {
            input = full([state.Rows], _startToken, ScalarType.Int64);
        }
        else
        {
            if (lastTokens is null || lastTokens.Length != batch)
            {
                throw new ArgumentException($"need {batch} last tokens at position {position}", nameof(lastTokens));
            }
            input = tensor(IncrementalState.Pad(lastTokens));
            state.SetCounts(state.AlphaUsed.add(input.bitwise_and(1), HeldScalars.One), state.BetaUsed.add(input.bitwise_right_shift(1), HeldScalars.One));
        }
        using var positionScalar = ((long)position).ToScalar();
        using var positionIndex = full(1, positionScalar, ScalarType.Int64);
        var x = wte.forward(input).add(wpe.forward(positionIndex), HeldScalars.One);
        for (var l = 0; l < h.Count; l++)
        {
            x = h[l].Step(x, state.KeyCache(l), state.ValueCache(l), position);
        }
        state.Position = position + 1;
        return ln_f.forward(x);
    }

    /// <summary>Inputs [B, n + 1] = start token followed by <paramref name="tokens"/> [B, n].</summary>
    private Tensor WithStart(Tensor tokens)
    {
        using var start = full(tokens.shape[0], 1, _startToken, ScalarType.Int64);
        return cat([start, tokens], 1);
    }

    /// <summary>Masked log-softmax of every position's amplitude logits and the allowed-token mask, both [B, K, 4].</summary>
    private (Tensor LogP, Tensor Allowed) MaskedLogProbabilities(Tensor hidden, Tensor tokens, LogDerivativeTape? tape = null)
    {
        using var flat = hidden.reshape(-1, hidden.shape[^1]);
        using var flatLogits = LogDerivativeTape.Apply(tape, amp_head, flat);
        var logits = flatLogits.view(hidden.shape[0], hidden.shape[1], OrbitalTokens.Count);
        var (alphaUsed, betaUsed) = ExclusiveCounts(tokens);
        using var remaining = arange(Space.Orbitals - 1, -1, -1, ScalarType.Int64);
        var allowed = Allowed(alphaUsed, betaUsed, remaining);
        return (MaskedLogSoftmax(logits, allowed), allowed);
    }

    private Tensor MaskedLogSoftmax(Tensor logits, Tensor allowed)
    {
        using var masked = logits.masked_fill(allowed.logical_not(), _maskedLogit);
        return masked.log_softmax(-1);
    }

    /// <summary>Alpha and beta electrons of each row of <paramref name="prefixes"/> [B, d], int64 [B].</summary>
    private static (Tensor Alpha, Tensor Beta) Counts(Tensor prefixes)
    {
        using var alpha = prefixes.bitwise_and(1);
        using var beta = prefixes.bitwise_right_shift(1);
        return (alpha.sum(1), beta.sum(1));
    }

    /// <summary>Alpha and beta electrons in orbitals before each position of <paramref name="tokens"/> [B, K].</summary>
    private static (Tensor Alpha, Tensor Beta) ExclusiveCounts(Tensor tokens)
    {
        using var alpha = tokens.bitwise_and(1);
        using var beta = tokens.bitwise_right_shift(1);
        using var alphaInclusive = alpha.cumsum(1);
        using var betaInclusive = beta.cumsum(1);
        return (alphaInclusive.sub(alpha), betaInclusive.sub(beta));
    }

    /// <summary>Allowed tokens [..., 4] given electrons used so far and orbitals left after this one.</summary>
    private Tensor Allowed(Tensor alphaUsed, Tensor betaUsed, Tensor remaining)
    {
        using var da = tensor(new long[] { 0, 1, 0, 1 });
        using var db = tensor(new long[] { 0, 0, 1, 1 });
        using var a = alphaUsed.unsqueeze(-1).add(da, HeldScalars.One);
        using var b = betaUsed.unsqueeze(-1).add(db, HeldScalars.One);
        using var r = remaining.unsqueeze(-1);
        using var aReach = a.add(r, HeldScalars.One);
        using var bReach = b.add(r, HeldScalars.One);
        using var alphaCount = ((long)Space.AlphaElectrons).ToScalar();
        using var betaCount = ((long)Space.BetaElectrons).ToScalar();
        using var aMax = a.le(alphaCount);
        using var bMax = b.le(betaCount);
        using var aMin = aReach.ge(alphaCount);
        using var bMin = bReach.ge(betaCount);
        using var alphaOk = aMax.logical_and(aMin);
        using var betaOk = bMax.logical_and(bMin);
        return alphaOk.logical_and(betaOk);
    }

    private Tensor Allowed(Tensor alphaUsed, Tensor betaUsed, int remaining)
    {
        using var remainingScalar = ((long)remaining).ToScalar();
        using var r = full(1, remainingScalar, ScalarType.Int64);
        using var rb = r.expand(alphaUsed.shape[0]);
        return Allowed(alphaUsed, betaUsed, rb);
    }

    private void CheckTokens(Tensor tokens)
    {
        if (tokens.dim() != 2 || tokens.shape[1] != Space.Orbitals || tokens.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"expected int64 tokens [B, {Space.Orbitals}]", nameof(tokens));
        }
    }
}
