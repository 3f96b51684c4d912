using Dataflow.Kernels.Quantum;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Local energies E_loc(x) = sum_x' H(x, x') psi(x') / psi(x) of sampled configurations of a molecular
/// Hamiltonian (NNQS-Transformer, arXiv 2306.16705, eq. 4), and their division into work of equal cost.</summary>
/// <remarks>
/// <para>With psi = exp(log|psi| + i phi), psi(x') / psi(x) = exp(log|psi(x')| - log|psi(x)|) (cos + i sin)(phi(x') - phi(x)).
/// The x' are the Slater-Condon singles and doubles of <see cref="MolecularHamiltonian.Connected{T}(T, Span{T}, Span{double})"/>
/// plus x itself (the diagonal).</para>
/// <para>psi of a sampled configuration is always the sampler's value; in <see cref="LocalEnergyMode.Exact"/> mode the
/// connected configurations that were not sampled are deduplicated and evaluated in one batched call.
/// Configurations are 64-bit spin-orbital strings, so K &lt;= 32 spatial orbitals.</para>
/// </remarks>
public sealed class LocalEnergy
{
    private readonly MolecularHamiltonian _hamiltonian;
    private readonly int _maxConnected;

    /// <summary>Local energies of <paramref name="hamiltonian"/> in the sector of the given electron counts.</summary>
    public LocalEnergy(MolecularHamiltonian hamiltonian, int alphaElectrons, int betaElectrons)
    {
        ArgumentNullException.ThrowIfNull(hamiltonian);
        if (hamiltonian.OrbitalCount > 32)
        {
            throw new ArgumentException($"{hamiltonian.OrbitalCount} orbitals do not fit 64-bit determinants", nameof(hamiltonian));
        }
        _hamiltonian = hamiltonian;
        AlphaElectrons = alphaElectrons;
        BetaElectrons = betaElectrons;
        _maxConnected = MolecularHamiltonian.ExcitationCount(hamiltonian.OrbitalCount, alphaElectrons, betaElectrons);
    }

    /// <summary>Local energies of an FCIDUMP's Hamiltonian in its own sector.</summary>
    public static LocalEnergy FromFcidump(Fcidump fcidump)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        return new LocalEnergy(MolecularHamiltonian.FromFcidump(fcidump), fcidump.AlphaCount, fcidump.BetaCount);
    }

    /// <summary>The Hamiltonian.</summary>
    public MolecularHamiltonian Hamiltonian => _hamiltonian;

    /// <summary>Alpha electrons.</summary>
    public int AlphaElectrons { get; }

    /// <summary>Beta electrons.</summary>
    public int BetaElectrons { get; }

    /// <summary>The configuration space of this sector.</summary>
    public ConfigurationSpace Space => new(_hamiltonian.OrbitalCount, AlphaElectrons, BetaElectrons);

    /// <summary>Upper bound of off-diagonal connected configurations per sample (single plus double excitations).</summary>
    public int MaxConnected => _maxConnected;

    /// <summary>E_loc of the samples in <paramref name="range"/> (all when null).</summary>
    /// <param name="samples">Unique sampled configurations with their log|psi| and phases; in sample-space mode all
    /// of them form the look-up table, whatever the range.</param>
    /// <param name="wavefunction">Evaluates connected configurations in exact mode; unused (may be null) in sample-space mode.</param>
    /// <param name="mode">Exact or sample-space.</param>
    /// <param name="range">The samples whose local energy is wanted.</param>
    public LocalEnergyResult Compute(
        SampleResult samples, IWavefunctionEvaluator? wavefunction, LocalEnergyMode mode, SampleRange? range = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var r = range ?? SampleRange.All(samples);
        if (r.Start < 0 || r.Count < 0 || r.End > samples.Unique)
        {
            throw new ArgumentOutOfRangeException(nameof(range), r, $"outside the {samples.Unique} samples");
        }
        if (samples.Orbitals != _hamiltonian.OrbitalCount)
        {
            throw new ArgumentException($"samples have {samples.Orbitals} orbitals, the Hamiltonian {_hamiltonian.OrbitalCount}", nameof(samples));
        }
        if (mode == LocalEnergyMode.Exact && wavefunction is null)
        {
            throw new ArgumentNullException(nameof(wavefunction), "exact local energies need the wavefunction");
        }

        var sampled = new Dictionary<ulong, int>(samples.Unique);
        for (var i = 0; i < samples.Unique; i++)
        {
            sampled[samples.Bits(i)] = i;
        }

        // Connected pairs of the range, flat: offsets[i] .. offsets[i + 1] belong to sample Start + i.
        var offsets = new int[r.Count + 1];
        var connectedBits = new List<ulong>(r.Count * Math.Min(_maxConnected, 256));
        var elements = new List<double>(connectedBits.Capacity);
        var diagonal = new double[r.Count];
        var determinants = new Determinant64[_maxConnected];
        var values = new double[_maxConnected];
        for (var i = 0; i < r.Count; i++)
        {
            var det = new Determinant64(samples.Bits(r.Start + i));
            diagonal[i] = _hamiltonian.Diagonal(det);
            var n = _hamiltonian.Connected(det, determinants.AsSpan(), values.AsSpan());
            for (var c = 0; c < n; c++)
            {
                connectedBits.Add(determinants[c].Bits);
                elements.Add(values[c]);
            }
            offsets[i + 1] = connectedBits.Count;
        }

        // Amplitudes of configurations outside the sample: index -1 - j into the inferred arrays; int.MinValue when zero.
        var inferredIndex = new Dictionary<ulong, int>();
        double[] inferredLog = [];
        double[] inferredPhase = [];
        if (mode == LocalEnergyMode.Exact)
        {
            var unknown = new List<ulong>();
            foreach (var x in connectedBits)
            {
                if (!sampled.ContainsKey(x) && inferredIndex.TryAdd(x, unknown.Count))
                {
                    unknown.Add(x);
                }
            }
            inferredLog = new double[unknown.Count];
            inferredPhase = new double[unknown.Count];
            wavefunction!.Evaluate(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(unknown), inferredLog, inferredPhase);
        }

        var real = new double[r.Count];
        var imaginary = new double[r.Count];
        // A tuned row-reduction record of this width (dataflow tune apply) splits the samples over parallel tasks.
        // Only its Chunk and Threads knobs are read: each sample's sum stays one sequential loop in connection
        // order, so the energies are bitwise those of the untuned loop; its Unroll and Vector knobs would reorder
        // the additions and are ignored.
        var (chunk, threads) = (r.Count, 1);
        if (Tune.TunedSchedules.RowReduction(r.Count, _maxConnected + 1) is { } tuned)
        {
            chunk = tuned.Schedule.Chunk > 0 ? tuned.Schedule.Chunk : r.Count;
            threads = Math.Clamp(tuned.Schedule.Threads, 1, Environment.ProcessorCount);
        }
        Tune.TuneParallel.For(Tune.TuneParallel.Units(r.Count, chunk), threads, u =>
        {
            for (var i = u * chunk; i < Math.Min(r.Count, (u + 1) * chunk); i++)
            {
                SumConnected(i);
            }
        });
        return new LocalEnergyResult(r, real, imaginary, connectedBits.Count, inferredLog.Length);

        void SumConnected(int i)
        {
            var s = r.Start + i;
            var logX = samples.LogAmplitudes[s];
            var phaseX = samples.Phases[s];
            var re = diagonal[i];
            var im = 0.0;
            for (var c = offsets[i]; c < offsets[i + 1]; c++)
            {
                double logY, phaseY;
                var y = connectedBits[c];
                if (sampled.TryGetValue(y, out var j))
                {
                    logY = samples.LogAmplitudes[j];
                    phaseY = samples.Phases[j];
                }
                else if (mode == LocalEnergyMode.Exact)
                {
                    var k = inferredIndex[y];
                    logY = inferredLog[k];
                    phaseY = inferredPhase[k];
                }
                else
                {
                    continue;
                }
                if (double.IsNegativeInfinity(logY))
                {
                    continue;
                }
                // H(x, x') psi(x') / psi(x)  (NNQS-Transformer, arXiv 2306.16705, eq. 4).
                var magnitude = elements[c] * Math.Exp(logY - logX);
                var (sin, cos) = Math.SinCos(phaseY - phaseX);
                re += magnitude * cos;
                im += magnitude * sin;
            }
            real[i] = re;
            imaginary[i] = im;
        }
    }

    /// <summary>Cost of each unique sample's local energy: 1 (diagonal) plus its nonzero connected configurations.</summary>
    /// <remarks>Generating the connected configurations is a small fraction of a local energy (no inference), so the
    /// estimate is exact in pairs; without integrals' zeros it would equal <see cref="MaxConnected"/> + 1 for every sample.</remarks>
    public long[] EstimateCosts(SampleResult samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var determinants = new Determinant64[_maxConnected];
        var values = new double[_maxConnected];
        var costs = new long[samples.Unique];
        for (var i = 0; i < samples.Unique; i++)
        {
            costs[i] = 1 + _hamiltonian.Connected(new Determinant64(samples.Bits(i)), determinants.AsSpan(), values.AsSpan());
        }
        return costs;
    }

    /// <summary>Divides samples 0 .. costs.Length - 1 into <paramref name="parts"/> contiguous ranges of nearly equal
    /// total cost (not equal sample counts), in order; range boundaries fall on multiples of <paramref name="granularity"/>.</summary>
    /// <remarks>Boundary j is the multiple of the granularity whose cumulative cost is nearest to j / parts of the total,
    /// kept non-decreasing, so a range may be empty. Contiguous ranges keep group order equal to sample order, and a
    /// granularity equal to <see cref="VmcGradient"/>'s chunk lets partial gradients sum to the single gradient bitwise.</remarks>
    public static SampleRange[] PartitionByCost(IReadOnlyList<long> costs, int parts, int granularity = 1)
    {
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(granularity, 1);
        var blocks = (costs.Count + granularity - 1) / granularity;
        var cumulative = new double[blocks + 1];
        for (var b = 0; b < blocks; b++)
        {
            long sum = 0;
            for (var i = b * granularity; i < Math.Min(costs.Count, (b + 1) * granularity); i++)
            {
                sum += costs[i];
            }
            cumulative[b + 1] = cumulative[b] + sum;
        }
        var total = cumulative[blocks];
        var ranges = new SampleRange[parts];
        var start = 0;
        var block = 0;
        for (var j = 0; j < parts; j++)
        {
            int endBlock;
            if (j == parts - 1)
            {
                endBlock = blocks;
            }
            else
            {
                var target = total * (j + 1) / parts;
                endBlock = block;
                while (endBlock < blocks && cumulative[endBlock + 1] <= target)
                {
                    endBlock++;
                }
                if (endBlock < blocks && target - cumulative[endBlock] > cumulative[endBlock + 1] - target)
                {
                    endBlock++;
                }
            }
            var end = Math.Min(costs.Count, endBlock * granularity);
            ranges[j] = new SampleRange(start, end - start);
            start = end;
            block = endBlock;
        }
        return ranges;
    }
}
