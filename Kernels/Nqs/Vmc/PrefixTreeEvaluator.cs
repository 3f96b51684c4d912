using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Inference of a <see cref="TransformerWavefunction"/> for local energies over the prefix tree of the
/// configurations: each distinct prefix runs through the layers once, as one key/value-cached step
/// (<see cref="TransformerWavefunction.Step"/>), instead of every configuration running all K positions.</summary>
/// <remarks>
/// <para>The connected configurations of a batch of samples share most of their prefixes: for N2 in STO-3G (K = 10)
/// the 14,400 configurations of the sector have 29,710 distinct prefixes of 0 to 9 orbitals (one step each) against
/// 144,000 positions of full forward passes. Configurations are sorted by their token sequences and cut into chunks of at most
/// <see cref="ChunkSize"/>, so the live caches stay bounded; a chunk's prefixes of one depth are contiguous runs.</para>
/// <para>log|psi(x)| = 1/2 sum_i log p(x_i | x_&lt;i) as in the sampler, from the same steps, so a configuration gets
/// the same value whichever chunk, batch or evaluator holds it (every operation of a step is row by row);
/// phi(x) comes from the phase network on whole configurations.</para>
/// <para>The last orbital takes no step: the electron counts leave one allowed token there, whose masked conditional
/// probability is exactly 1 (log 0), so only whether x's last token is that one matters. The last level is the largest
/// (for N2 one prefix per configuration: 14,400 of the 29,710 steps, and the ones attending over the most positions).</para>
/// </remarks>
/// <param name="model">The wavefunction; the torch runtime must be loaded.</param>
/// <param name="chunkSize">Configurations per chunk; default 16,384.</param>
public sealed class PrefixTreeEvaluator(TransformerWavefunction model, int chunkSize = 16_384) : IWavefunctionEvaluator
{
    /// <summary>Configurations per chunk.</summary>
    public int ChunkSize { get; } = chunkSize >= 1 ? chunkSize : throw new ArgumentOutOfRangeException(nameof(chunkSize));

    /// <inheritdoc />
    public int Orbitals => model.Space.Orbitals;

    /// <summary>Distinct prefixes (tree nodes, the root included) stepped through the layers since construction.</summary>
    public long StepsRun { get; private set; }

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<ulong> bits, Span<double> logAmplitudes, Span<double> phases)
    {
        if (logAmplitudes.Length < bits.Length || phases.Length < bits.Length)
        {
            throw new ArgumentException("destinations are shorter than the configurations");
        }
        var k = Orbitals;
        // Lexicographic order of the token sequences (orbital 0 first): tokens reversed into one word.
        var keys = new ulong[bits.Length];
        var order = new int[bits.Length];
        for (var i = 0; i < bits.Length; i++)
        {
            keys[i] = SequenceKey(bits[i], k);
            order[i] = i;
        }
        Array.Sort(keys, order);
        for (var first = 0; first < bits.Length; first += ChunkSize)
        {
            var rows = Math.Min(ChunkSize, bits.Length - first);
            var chunk = new ulong[rows];
            for (var r = 0; r < rows; r++)
            {
                chunk[r] = bits[order[first + r]];
            }
            var log = LogAmplitudes(chunk);
            var phase = Phases(chunk);
            for (var r = 0; r < rows; r++)
            {
                logAmplitudes[order[first + r]] = log[r];
                phases[order[first + r]] = phase[r];
            }
        }
    }

    /// <summary>The token sequence of <paramref name="x"/> as a number whose most significant digit is orbital 0.</summary>
    private static ulong SequenceKey(ulong x, int k)
    {
        ulong key = 0;
        for (var p = 0; p < k; p++)
        {
            key = (key << 2) | ((x >> (2 * p)) & 3);
        }
        return key;
    }

    /// <summary>log|psi| of configurations sorted by token sequence, level by level down their prefix tree.</summary>
    private double[] LogAmplitudes(ulong[] configurations)
    {
        var k = Orbitals;
        var rows = configurations.Length;
        var log = new double[rows];
        // node[r]: index, within the current level, of configuration r's prefix; the root level has one node.
        var node = new int[rows];
        // The last orbital's token is fixed by the electrons before it (see the remarks): a configuration whose last
        // token is another one has the wrong electron count.
        for (var r = 0; r < rows; r++)
        {
            if (!model.Space.HasElectronCounts(configurations[r]))
            {
                log[r] = double.NegativeInfinity;
            }
        }
        if (k == 1)
        {
            return log;
        }
        var state = model.Begin(1);
        long[]? lastTokens = null;
        try
        {
            for (var depth = 0; depth < k - 1; depth++)
            {
                double[] logp;
                using (var scope = NewDisposeScope())
                {
                    var step = model.Step(state, lastTokens);
                    using var asDouble = step.to_type(ScalarType.Float64);
                    logp = asDouble.data<double>().ToArray();
                }
                StepsRun += state.Batch;
                for (var r = 0; r < rows; r++)
                {
                    log[r] += logp[node[r] * OrbitalTokens.Count + (int)((configurations[r] >> (2 * depth)) & 3)];
                }
                if (depth == k - 2)
                {
                    break;
                }
                // Children: distinct prefixes of length depth + 1, contiguous in sorted order.
                var parents = new List<long>();
                var tokens = new List<long>();
                var previousParent = -1;
                var previousToken = -1L;
                for (var r = 0; r < rows; r++)
                {
                    var token = (long)((configurations[r] >> (2 * depth)) & 3);
                    if (node[r] != previousParent || token != previousToken)
                    {
                        parents.Add(node[r]);
                        tokens.Add(token);
                        previousParent = node[r];
                        previousToken = token;
                    }
                    node[r] = parents.Count - 1;
                }
                var next = state.Select([.. parents]);
                state.Dispose();
                state = next;
                lastTokens = [.. tokens];
            }
        }
        finally
        {
            state.Dispose();
        }
        for (var r = 0; r < rows; r++)
        {
            log[r] *= 0.5;
        }
        return log;
    }

    private double[] Phases(ulong[] configurations)
    {
        var k = Orbitals;
        var tokens = OrbitalTokens.ToTokenRows(configurations, k);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var input = tensor(tokens, [configurations.Length, k]);
        var phase = model.Phase(input);
        using var asDouble = phase.to_type(ScalarType.Float64);
        return asDouble.data<double>().ToArray();
    }
}
