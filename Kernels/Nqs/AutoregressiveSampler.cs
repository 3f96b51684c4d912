using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs;

/// <summary>Batched autoregressive sampling of unique configurations with counts from |psi|^2
/// (NNQS-Transformer, arXiv 2306.16705, sec. 4; QChem-Trainer, arXiv 2506.23809).</summary>
/// <remarks>
/// <para>The N logical samples walk the tree of prefixes: a node with count n splits n over its (masked) children
/// by a multinomial draw with the conditional probabilities p(x_i | prefix), and children with count 0 are dropped,
/// so only unique prefixes are ever materialised. The draw at a node comes from a <see cref="CounterStream"/> keyed
/// by (seed, iteration, depth, prefix), so the multiset sampled does not depend on how prefixes are batched or
/// divided among samplers: the union of <see cref="SampleSubtrees"/> over any partition of
/// <see cref="SplitPrefixes"/> equals <see cref="Sample"/>.</para>
/// <para>Traversal is breadth-first while a level's prefixes fit one chunk of M (<see cref="SamplerOptions.ChunkPrefixes"/>),
/// then depth-first over chunks of at most M prefixes, so at most about (3 K + 5) M prefixes (and their key/value
/// caches) are alive at once, whatever N (<see cref="PeakLivePrefixes"/>).</para>
/// <para>Multi-sampler use (QChem-Trainer's sampling parallelism): every sampler, or one coordinator, runs the cheap
/// shallow <see cref="SplitPrefixes"/>; sampler j finishes part j with <see cref="SampleSubtrees"/>; the local-energy
/// stage takes the <see cref="SampleResult.Merge"/> of the parts. One instance serves one thread at a time.</para>
/// <para>Bitwise invariance assumes each row's conditional probabilities do not depend on the other rows of its
/// batch; libtorch's CPU kernels give that in the tests here. Were a kernel to round a row differently by one
/// ulp in another batch, a count would change only if a uniform fell within ~1e-16 of a threshold.</para>
/// </remarks>
public sealed class AutoregressiveSampler
{
    private readonly TransformerWavefunction _model;
    private readonly SamplerOptions _options;
    private readonly int _orbitals;

    /// <summary>A sampler of <paramref name="model"/> with <paramref name="options"/>.</summary>
    public AutoregressiveSampler(TransformerWavefunction model, SamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Samples, nameof(options.Samples));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkPrefixes, 1, nameof(options.ChunkPrefixes));
        _model = model;
        _options = options;
        _orbitals = model.Space.Orbitals;
    }

    /// <summary>Most prefixes (with their caches) alive at once during the last <see cref="Sample"/>,
    /// <see cref="SampleSubtrees"/> or <see cref="SplitPrefixes"/>: at most about (3 K + 5) M, whatever N.</summary>
    public long PeakLivePrefixes { get; private set; }

    /// <summary>Depth at which work is divided among logical samplers (<see cref="SampleSplit"/>).</summary>
    public const int SplitDepth = 2;

    /// <summary>All logical samples, drawn as the logical samplers of a distributed run draw them: the prefixes at
    /// <see cref="SplitDepth"/> first, then their subtrees. Inference batches then hold the same prefixes as in a run
    /// whose prefixes are divided among any number of samplers, so the bits are the same.</summary>
    public SampleResult SampleSplit() => SampleSubtrees(SplitPrefixes(Math.Min(SplitDepth, _orbitals), 1)[0]);

    /// <summary>All <see cref="SamplerOptions.Samples"/> logical samples from the root.</summary>
    public SampleResult Sample() => SampleSubtrees(PrefixSet.Root(_options.Samples));

    /// <summary>The unique prefixes of <paramref name="depth"/> orbitals reached by the logical samples, with
    /// their counts, divided into <paramref name="parts"/> sets of nearly equal total count (see <see cref="Partition"/>).</summary>
    public PrefixSet[] SplitPrefixes(int depth, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, _orbitals);
        var level = Run(PrefixSet.Root(_options.Samples), depth);
        return Partition(new PrefixSet(depth, level.Tokens, level.Counts), parts);
    }

    /// <summary>Finishes the subtrees below <paramref name="prefixes"/>: every logical sample passing through them.</summary>
    public SampleResult SampleSubtrees(PrefixSet prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        var leaves = Run(prefixes, _orbitals);
        var logAmplitudes = leaves.LogProbabilities.Select(lp => 0.5 * lp).ToArray();
        return new SampleResult(_orbitals, leaves.Tokens, leaves.Counts, logAmplitudes, leaves.Phases);
    }

    /// <summary>Divides prefixes into <paramref name="parts"/> sets balanced by count: longest-processing-time
    /// first (largest count to the least loaded part, ties to the lower index); each set keeps lexicographic order.</summary>
    public static PrefixSet[] Partition(PrefixSet prefixes, int parts)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var order = Enumerable.Range(0, prefixes.Count)
            .OrderByDescending(i => prefixes.Counts[i]).ThenBy(i => i).ToArray();
        var loads = new long[parts];
        var members = Enumerable.Range(0, parts).Select(_ => new List<int>()).ToArray();
        foreach (var i in order)
        {
            var target = 0;
            for (var p = 1; p < parts; p++)
            {
                if (loads[p] < loads[target])
                {
                    target = p;
                }
            }
            loads[target] += prefixes.Counts[i];
            members[target].Add(i);
        }
        var depth = prefixes.Depth;
        return members.Select(list =>
        {
            list.Sort();
            var tokens = new byte[list.Count * depth];
            for (var j = 0; j < list.Count; j++)
            {
                prefixes.Prefix(list[j]).CopyTo(tokens.AsSpan(j * depth, depth));
            }
            return new PrefixSet(depth, tokens, list.Select(i => prefixes.Counts[i]).ToArray());
        }).ToArray();
    }

    /// <summary>Expands <paramref name="start"/> down to <paramref name="stopDepth"/> orbitals, chunk by chunk, depth first.</summary>
    private Level Run(PrefixSet start, int stopDepth)
    {
        if (start.Depth > stopDepth || start.Tokens.Length != start.Count * start.Depth)
        {
            throw new ArgumentException($"prefixes of depth {start.Depth} cannot be expanded to depth {stopDepth}", nameof(start));
        }
        var output = new Level(stopDepth);
        var stack = new Stack<Chunk>();
        long live = 0;
        PeakLivePrefixes = 0;
        try
        {
            var initial = new List<Chunk>();
            var m = _options.ChunkPrefixes;
            for (var first = 0; first < start.Count; first += m)
            {
                var rows = Math.Min(m, start.Count - first);
                var chunk = new Chunk(
                    start.Depth,
                    start.Tokens.AsSpan(first * start.Depth, rows * start.Depth).ToArray(),
                    start.Counts.AsSpan(first, rows).ToArray());
                initial.Add(chunk);
            }
            for (var i = initial.Count - 1; i >= 0; i--)
            {
                stack.Push(initial[i]);
            }
            while (stack.Count > 0)
            {
                using var chunk = stack.Pop();
                if (chunk.LogProbabilities is null)
                {
                    // A starting chunk: its caches exist from here on (the other starting prefixes are the caller's).
                    Replay(chunk);
                    live += chunk.Rows;
                    PeakLivePrefixes = Math.Max(PeakLivePrefixes, live);
                }
                if (chunk.Depth == stopDepth)
                {
                    output.Add(chunk, stopDepth == _orbitals ? Phases(chunk) : null);
                    live -= chunk.Rows;
                    continue;
                }
                var children = Expand(chunk);
                for (var i = children.Count - 1; i >= 0; i--)
                {
                    stack.Push(children[i]);
                    live += children[i].Rows;
                }
                PeakLivePrefixes = Math.Max(PeakLivePrefixes, live);
                live -= chunk.Rows;
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                stack.Pop().Dispose();
            }
        }
        return output;
    }

    /// <summary>Draws the children of every prefix of a chunk and returns them in chunks of at most M, in order.</summary>
    private List<Chunk> Expand(Chunk chunk)
    {
        var depth = chunk.Depth;
        var logp = ConditionalLogProbabilities(chunk);
        var parents = new List<long>();
        var tokens = new List<byte>();
        var counts = new List<long>();
        var logProbabilities = new List<double>();
        var bits = new List<UInt128>();
        Span<double> p = stackalloc double[OrbitalTokens.Count];
        Span<long> split = stackalloc long[OrbitalTokens.Count];
        for (var r = 0; r < chunk.Rows; r++)
        {
            for (var c = 0; c < OrbitalTokens.Count; c++)
            {
                p[c] = Math.Exp(logp[r * OrbitalTokens.Count + c]);
            }
            var stream = new CounterStream(CounterStream.NodeKey(_options.Seed, _options.Iteration, depth, chunk.Bits[r]));
            BinomialSampler.Multinomial(ref stream, chunk.Counts[r], p, split);
            for (var c = 0; c < OrbitalTokens.Count; c++)
            {
                if (split[c] == 0)
                {
                    continue;
                }
                parents.Add(r);
                tokens.AddRange(chunk.Prefix(r));
                tokens.Add((byte)c);
                counts.Add(split[c]);
                logProbabilities.Add(chunk.LogProbabilities![r] + logp[r * OrbitalTokens.Count + c]);
                bits.Add(chunk.Bits[r] | ((UInt128)(uint)c << (2 * depth)));
            }
        }
        var result = new List<Chunk>();
        var m = _options.ChunkPrefixes;
        var childDepth = depth + 1;
        for (var first = 0; first < counts.Count; first += m)
        {
            var rows = Math.Min(m, counts.Count - first);
            var child = new Chunk(
                childDepth,
                tokens.GetRange(first * childDepth, rows * childDepth).ToArray(),
                counts.GetRange(first, rows).ToArray())
            {
                LogProbabilities = logProbabilities.GetRange(first, rows).ToArray(),
                Bits = bits.GetRange(first, rows).ToArray(),
                // Complete configurations need no cache: only the phase network reads them.
                State = childDepth < _orbitals ? chunk.State?.Select(parents.GetRange(first, rows).ToArray()) : null,
            };
            result.Add(child);
        }
        return result;
    }

    /// <summary>Masked log p(c | prefix) of every row, flat [rows * 4], as doubles.</summary>
    private double[] ConditionalLogProbabilities(Chunk chunk)
    {
        if (chunk.Depth == _orbitals - 1)
        {
            return LastOrbitalLogProbabilities(chunk);
        }
        using var scope = NewDisposeScope();
        Tensor logp;
        if (chunk.State is { } state)
        {
            logp = _model.Step(state, chunk.Depth == 0 ? null : chunk.LastTokens());
        }
        else
        {
            using var prefixes = chunk.PrefixTensor();
            logp = _model.NextLogProbabilities(prefixes);
        }
        using var asDouble = logp.to_type(ScalarType.Float64);
        return asDouble.data<double>().ToArray();
    }

    /// <summary>The last orbital's conditionals without a model step: the electrons of the prefix leave one allowed
    /// token (<see cref="ConfigurationSpace.IsAllowed"/>), whose masked probability is exactly 1 (log 0, the value the
    /// step returns), the others -inf.</summary>
    private double[] LastOrbitalLogProbabilities(Chunk chunk)
    {
        var logp = new double[chunk.Rows * OrbitalTokens.Count];
        for (var r = 0; r < chunk.Rows; r++)
        {
            int alpha = 0, beta = 0;
            foreach (var t in chunk.Prefix(r))
            {
                alpha += OrbitalTokens.Alpha(t);
                beta += OrbitalTokens.Beta(t);
            }
            for (var c = 0; c < OrbitalTokens.Count; c++)
            {
                logp[r * OrbitalTokens.Count + c] =
                    _model.Space.IsAllowed(alpha, beta, chunk.Depth, c) ? 0.0 : double.NegativeInfinity;
            }
        }
        return logp;
    }

    /// <summary>Phases of the completed configurations of a leaf chunk.</summary>
    private double[] Phases(Chunk chunk)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var tokens = chunk.PrefixTensor();
        var phase = _model.Phase(tokens);
        using var asDouble = phase.to_type(ScalarType.Float64);
        return asDouble.data<double>().ToArray();
    }

    /// <summary>Rebuilds a chunk's prefix log-probabilities, tree-node keys and (with the cache) its caches by
    /// decoding its prefixes from the start.</summary>
    private void Replay(Chunk chunk)
    {
        var depth = chunk.Depth;
        var rows = chunk.Rows;
        var logProbabilities = new double[rows];
        var bits = new UInt128[rows];
        for (var r = 0; r < rows; r++)
        {
            bits[r] = OrbitalTokens.ToBits128(chunk.Prefix(r));
        }
        if (_options.UseKvCache)
        {
            chunk.State = _model.Begin(rows);
        }
        for (var t = 0; t < depth; t++)
        {
            using var scope = NewDisposeScope();
            Tensor logp;
            if (chunk.State is { } state)
            {
                long[]? last = null;
                if (t > 0)
                {
                    last = new long[rows];
                    for (var r = 0; r < rows; r++)
                    {
                        last[r] = chunk.Tokens[r * depth + t - 1];
                    }
                }
                logp = _model.Step(state, last);
            }
            else
            {
                using var all = chunk.PrefixTensor();
                using var prefixes = all.narrow(1, 0, t);
                logp = _model.NextLogProbabilities(prefixes);
            }
            using var asDouble = logp.to_type(ScalarType.Float64);
            var values = asDouble.data<double>().ToArray();
            for (var r = 0; r < rows; r++)
            {
                logProbabilities[r] += values[r * OrbitalTokens.Count + chunk.Tokens[r * depth + t]];
            }
        }
        chunk.LogProbabilities = logProbabilities;
        chunk.Bits = bits;
    }

    /// <summary>A batch of at most M prefixes of one depth with their counts and, once known, their decoding state.</summary>
    private sealed class Chunk(int depth, byte[] tokens, long[] counts) : IDisposable
    {
        public int Depth { get; } = depth;

        public byte[] Tokens { get; } = tokens;

        public long[] Counts { get; } = counts;

        public int Rows => Counts.Length;

        /// <summary>log p(prefix) = sum of the conditional log-probabilities of its tokens; null until replayed.</summary>
        public double[]? LogProbabilities { get; set; }

        /// <summary>Spin-orbital strings of the prefixes (tree-node keys).</summary>
        public UInt128[] Bits { get; set; } = [];

        /// <summary>Key/value caches with <see cref="IncrementalState.Position"/> == <see cref="Depth"/>; null without the cache.</summary>
        public IncrementalState? State { get; set; }

        public ReadOnlySpan<byte> Prefix(int r) => Tokens.AsSpan(r * Depth, Depth);

        public long[] LastTokens()
        {
            var last = new long[Rows];
            for (var r = 0; r < Rows; r++)
            {
                last[r] = Tokens[r * Depth + Depth - 1];
            }
            return last;
        }

        public Tensor PrefixTensor() => tensor(Tokens.Select(t => (long)t).ToArray(), [Rows, Depth]);

        public void Dispose() => State?.Dispose();
    }

    /// <summary>Rows collected at the stop depth, in traversal (lexicographic) order.</summary>
    private sealed class Level(int depth)
    {
        private readonly List<byte> _tokens = [];
        private readonly List<long> _counts = [];
        private readonly List<double> _logProbabilities = [];
        private readonly List<double> _phases = [];

        public byte[] Tokens => [.. _tokens];

        public long[] Counts => [.. _counts];

        public double[] LogProbabilities => [.. _logProbabilities];

        public double[] Phases => [.. _phases];

        public void Add(Chunk chunk, double[]? phases)
        {
            if (chunk.Depth != depth)
            {
                throw new InvalidOperationException($"chunk of depth {chunk.Depth} collected at depth {depth}");
            }
            _tokens.AddRange(chunk.Tokens);
            _counts.AddRange(chunk.Counts);
            _logProbabilities.AddRange(chunk.LogProbabilities!);
            if (phases is not null)
            {
                _phases.AddRange(phases);
            }
        }
    }
}
