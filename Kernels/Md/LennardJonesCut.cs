using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Md;

/// <summary>The 12-6 Lennard-Jones pair potential cut off at r_c, exactly as LAMMPS' <c>pair_style lj/cut</c>:
/// E = 4 eps [(sigma/r)^12 - (sigma/r)^6] for r &lt; r_c (docs.lammps.org/pair_lj.html).</summary>
/// <remarks>
/// <para>As in LAMMPS: no tail correction; energies unshifted unless <c>shift</c> (<c>pair_modify shift yes</c>)
/// subtracts E(r_c) from each pair's energy (forces unchanged); coefficients for unlike pairs not given
/// explicitly are mixed from the like pairs (<see cref="LennardJonesMixing"/>, geometric by default), and so are
/// their cutoffs. The arithmetic follows LAMMPS' <c>PairLJCut::init_one</c> and <c>compute</c> term by term, so
/// results agree with LAMMPS to rounding.</para>
/// <para>Energy and virial per atom: half of each pair to each atom. The pair loop runs by
/// <see cref="PairComputeOptions.Path"/>.</para>
/// </remarks>
public sealed class LennardJonesCut : IForceProvider, IDisposable
{
    private const int Stride = LennardJonesCutKernel.TableStride;

    private readonly double[] _table;
    private readonly double[] _epsilon;
    private readonly double[] _sigma;
    private readonly double[] _cutoff;
    private readonly PairComputeOptions _options;
    private readonly ParallelOptions _parallel;
    private readonly ImageShiftTable _shifts = new();
    private ThreadScratch[] _scratch = [];
    private KernelBuffers? _kernel;

    /// <summary>An lj/cut pair style over <paramref name="typeCount"/> atom types.</summary>
    /// <param name="typeCount">Atom types.</param>
    /// <param name="globalCutoff">Cutoff of pairs whose coefficient gives none (<c>pair_style lj/cut r_c</c>).</param>
    /// <param name="coefficients">The <c>pair_coeff</c> lines; every like pair needs one unless all unlike pairs
    /// involving it are given explicitly.</param>
    /// <param name="mixing">Rule for unlike pairs not given.</param>
    /// <param name="shift">Shift energies to zero at the cutoff (<c>pair_modify shift yes</c>).</param>
    /// <param name="options">Pair loop, threads and backend; null takes <see cref="PairComputeOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">A coefficient is missing or out of range.</exception>
    public LennardJonesCut(
        int typeCount,
        double globalCutoff,
        IEnumerable<LennardJonesPairCoefficient> coefficients,
        LennardJonesMixing mixing = LennardJonesMixing.Geometric,
        bool shift = false,
        PairComputeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(typeCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalCutoff);
        ArgumentNullException.ThrowIfNull(coefficients);
        TypeCount = typeCount;
        GlobalCutoff = globalCutoff;
        Mixing = mixing;
        Shift = shift;
        _options = options ?? PairComputeOptions.Default;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.EffectiveThreads };
        _epsilon = new double[typeCount * typeCount];
        _sigma = new double[typeCount * typeCount];
        _cutoff = new double[typeCount * typeCount];
        var set = new bool[typeCount * typeCount];
        foreach (var c in coefficients)
        {
            if (c.TypeI < 1 || c.TypeI > typeCount || c.TypeJ < 1 || c.TypeJ > typeCount)
            {
                throw new ArgumentException($"pair_coeff {c.TypeI} {c.TypeJ}: types must be within 1..{typeCount}", nameof(coefficients));
            }
            if (!(c.Sigma > 0) || c.Epsilon < 0 || c.Cutoff is <= 0)
            {
                throw new ArgumentException($"pair_coeff {c.TypeI} {c.TypeJ}: needs epsilon >= 0, sigma > 0 and cutoff > 0", nameof(coefficients));
            }
            foreach (var (a, b) in new[] { (c.TypeI - 1, c.TypeJ - 1), (c.TypeJ - 1, c.TypeI - 1) })
            {
                _epsilon[a * typeCount + b] = c.Epsilon;
                _sigma[a * typeCount + b] = c.Sigma;
                _cutoff[a * typeCount + b] = c.Cutoff ?? globalCutoff;
                set[a * typeCount + b] = true;
            }
        }
        _table = new double[typeCount * typeCount * Stride];
        for (var i = 0; i < typeCount; i++)
        {
            for (var j = 0; j < typeCount; j++)
            {
                var ij = i * typeCount + j;
                if (!set[ij])
                {
                    var ii = i * typeCount + i;
                    var jj = j * typeCount + j;
                    if (!set[ii] || !set[jj])
                    {
                        // LAMMPS: "All pair coeffs are not set".
                        throw new ArgumentException(
                            $"pair {i + 1} {j + 1} has no coefficients and cannot be mixed: give pair_coeff {i + 1} {i + 1} "
                            + $"and {j + 1} {j + 1}, or {i + 1} {j + 1}", nameof(coefficients));
                    }
                    _epsilon[ij] = MixEnergy(_epsilon[ii], _epsilon[jj], _sigma[ii], _sigma[jj]);
                    _sigma[ij] = MixDistance(_sigma[ii], _sigma[jj]);
                    _cutoff[ij] = MixDistance(_cutoff[ii], _cutoff[jj]);
                }
                // PairLJCut::init_one.
                var epsilon = _epsilon[ij];
                var sigma = _sigma[ij];
                var cut = _cutoff[ij];
                var row = ij * Stride;
                _table[row] = cut * cut;
                _table[row + 1] = 48.0 * epsilon * Math.Pow(sigma, 12.0);
                _table[row + 2] = 24.0 * epsilon * Math.Pow(sigma, 6.0);
                _table[row + 3] = 4.0 * epsilon * Math.Pow(sigma, 12.0);
                _table[row + 4] = 4.0 * epsilon * Math.Pow(sigma, 6.0);
                if (shift)
                {
                    var ratio = sigma / cut;
                    _table[row + 5] = 4.0 * epsilon * (Math.Pow(ratio, 12.0) - Math.Pow(ratio, 6.0));
                }
                MaxCutoff = Math.Max(MaxCutoff, cut);
            }
        }
    }

    /// <summary>Atom types.</summary>
    public int TypeCount { get; }

    /// <summary>Cutoff for pairs given without one, distance units.</summary>
    public double GlobalCutoff { get; }

    /// <summary>Largest pair cutoff, distance units: what the neighbour list must cover.</summary>
    public double MaxCutoff { get; }

    /// <summary>Mixing rule for unlike pairs.</summary>
    public LennardJonesMixing Mixing { get; }

    /// <summary>Whether energies are shifted to zero at the cutoff.</summary>
    public bool Shift { get; }

    /// <summary>The pair loop in use.</summary>
    public PairComputePath Path => _options.Path;

    /// <inheritdoc/>
    public string Name => "lj/cut";

    /// <summary>The compute backend of the kernel path, e.g. <c>cpu: direct dispatch on ...</c>; null until the
    /// kernel path first runs, and always for the half-list path.</summary>
    public string? KernelBackend => _kernel?.Backend.Name;

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => new(
        MaxCutoff, _options.Path == PairComputePath.HalfList ? NeighborListKind.Half : NeighborListKind.Full);

    /// <summary>The single-type style of LAMMPS' <c>bench/in.lj</c> and most reduced-unit examples:
    /// <c>pair_style lj/cut r_c</c>, <c>pair_coeff 1 1 eps sigma</c>.</summary>
    public static LennardJonesCut SingleType(
        double epsilon, double sigma, double cutoff, bool shift = false, PairComputeOptions? options = null) =>
        new(1, cutoff, [new LennardJonesPairCoefficient(1, 1, epsilon, sigma)], LennardJonesMixing.Geometric, shift, options);

    /// <summary>Well depth of pair (<paramref name="typeI"/>, <paramref name="typeJ"/>), types from 1, after mixing.</summary>
    public double Epsilon(int typeI, int typeJ) => _epsilon[(typeI - 1) * TypeCount + typeJ - 1];

    /// <summary>Sigma of pair (<paramref name="typeI"/>, <paramref name="typeJ"/>), after mixing.</summary>
    public double Sigma(int typeI, int typeJ) => _sigma[(typeI - 1) * TypeCount + typeJ - 1];

    /// <summary>Cutoff of pair (<paramref name="typeI"/>, <paramref name="typeJ"/>), after mixing.</summary>
    public double Cutoff(int typeI, int typeJ) => _cutoff[(typeI - 1) * TypeCount + typeJ - 1];

    /// <summary>The resolved coefficients, <see cref="LennardJonesCutKernel.TableStride"/> doubles per type pair
    /// (row (typeI - 1) * TypeCount + typeJ - 1): cutoff squared, lj1 to lj4 and the energy offset, as
    /// <c>PairLJCut::init_one</c> computes them. For pair loops elsewhere that must share this arithmetic.</summary>
    internal ReadOnlySpan<double> PairTable => _table;

    /// <summary>Energy of one pair of types (<paramref name="typeI"/>, <paramref name="typeJ"/>) at distance
    /// <paramref name="r"/>, including the shift; 0 at or beyond the cutoff.</summary>
    public double PairEnergy(int typeI, int typeJ, double r)
    {
        var row = ((typeI - 1) * TypeCount + typeJ - 1) * Stride;
        var rsq = r * r;
        if (rsq >= _table[row])
        {
            return 0;
        }
        var r2inv = 1.0 / rsq;
        var r6inv = r2inv * r2inv * r2inv;
        return r6inv * (_table[row + 3] * r6inv - _table[row + 4]) - _table[row + 5];
    }

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        var expected = _options.Path == PairComputePath.HalfList ? NeighborListKind.Half : NeighborListKind.Full;
        if (list is null || list.Kind != expected)
        {
            throw new ArgumentException($"lj/cut on path {_options.Path} needs a {expected} neighbour list", nameof(list));
        }
        if (list.AtomCount != state.AtomCount || result.AtomCount != state.AtomCount)
        {
            throw new ArgumentException($"the neighbour list covers {list.AtomCount} atoms and the result {result.AtomCount}, "
                + $"but the state has {state.AtomCount}", nameof(list));
        }
        if (state.TypeCount > TypeCount)
        {
            throw new ArgumentException($"the state has {state.TypeCount} atom types; this pair style was set up for {TypeCount}", nameof(state));
        }
        if (state.Positions.Length != 3 * state.AtomCount || state.Types.Length != state.AtomCount)
        {
            throw new ArgumentException("the state's positions and types do not hold its atom count", nameof(state));
        }
        if (list.Box != state.Box)
        {
            throw new ArgumentException("the neighbour list was built for another box; rebuild it after the box changes", nameof(list));
        }
        if (_options.Path == PairComputePath.HalfList)
        {
            ComputeHalf(state, list, result);
        }
        else
        {
            ComputeKernel(state, list, result);
        }
    }

    /// <summary>Frees the kernel path's buffers and backend.</summary>
    public void Dispose()
    {
        _kernel?.Dispose();
        _kernel = null;
    }

    private double MixEnergy(double eps1, double eps2, double sig1, double sig2) => Mixing switch
    {
        LennardJonesMixing.SixthPower =>
            2.0 * Math.Sqrt(eps1 * eps2) * Math.Pow(sig1, 3.0) * Math.Pow(sig2, 3.0) / (Math.Pow(sig1, 6.0) + Math.Pow(sig2, 6.0)),
        _ => Math.Sqrt(eps1 * eps2),
    };

    private double MixDistance(double sig1, double sig2) => Mixing switch
    {
        LennardJonesMixing.Arithmetic => 0.5 * (sig1 + sig2),
        LennardJonesMixing.SixthPower => Math.Pow(0.5 * (Math.Pow(sig1, 6.0) + Math.Pow(sig2, 6.0)), 1.0 / 6.0),
        _ => Math.Sqrt(sig1 * sig2),
    };

    private void ComputeHalf(MdState state, NeighborList list, ForceResult result)
    {
        var n = state.AtomCount;
        var threads = Math.Max(1, Math.Min(_options.EffectiveThreads, n / 64));
        var energy = result.Wants(ForceTerms.Energy) || result.Wants(ForceTerms.PerAtomEnergy);
        var virial = result.Wants(ForceTerms.Virial) || result.Wants(ForceTerms.PerAtomVirial);
        var perAtomEnergy = result.Wants(ForceTerms.PerAtomEnergy);
        var perAtomVirial = result.Wants(ForceTerms.PerAtomVirial);
        var input = new HalfInput(
            state.Positions, state.Types, TypeCount, list.Offsets, list.Entries, _table, _shifts.For(state.Box), energy, virial);
        if (threads == 1)
        {
            var tally = new PairTally();
            HalfRange(input, 0, n, result.Forces, perAtomEnergy ? result.PerAtomEnergy : null,
                perAtomVirial ? result.PerAtomVirial : null, ref tally);
            tally.AddTo(result);
            return;
        }
        EnsureScratch(threads, n, perAtomEnergy, perAtomVirial);
        // Ranges of atoms with equal numbers of list entries, so that threads get equal work.
        var bounds = list.BalancedAtomRanges(threads);
        Parallel.For(0, threads, _parallel, t =>
        {
            var scratch = _scratch[t];
            Array.Clear(scratch.Forces);
            if (perAtomEnergy)
            {
                Array.Clear(scratch.Energy);
            }
            if (perAtomVirial)
            {
                Array.Clear(scratch.Virial);
            }
            var tally = new PairTally();
            HalfRange(input, bounds[t], bounds[t + 1], scratch.Forces, perAtomEnergy ? scratch.Energy : null,
                perAtomVirial ? scratch.Virial : null, ref tally);
            scratch.Tally = tally;
        });
        // Reduce in thread order, so a given thread count always gives the same bits.
        for (var t = 0; t < threads; t++)
        {
            var scratch = _scratch[t];
            Add(scratch.Forces, result.Forces);
            if (perAtomEnergy)
            {
                Add(scratch.Energy, result.PerAtomEnergy);
            }
            if (perAtomVirial)
            {
                Add(scratch.Virial, result.PerAtomVirial);
            }
            scratch.Tally.AddTo(result);
        }
    }

    // PairLJCut::compute with a half list and newton on: each pair once, force added to i and subtracted from j.
    private static void HalfRange(
        in HalfInput p, int start, int end, double[] f, double[]? eatom, double[]? vatom, ref PairTally tally)
    {
        // Unchecked indexing: NeighborList checked every entry against its atom count, and Compute checked that
        // the state, the list and the result hold the same number of atoms.
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(f);
        ref var entry0 = ref MemoryMarshal.GetArrayDataReference(p.Entries);
        ref var type0 = ref MemoryMarshal.GetArrayDataReference(p.Types);
        ref var table0 = ref MemoryMarshal.GetArrayDataReference(p.Table);
        ref var shift0 = ref MemoryMarshal.GetArrayDataReference(p.Shifts);
        var offsets = p.Offsets;
        var singleType = p.TypeCount == 1;
        for (var i = start; i < end; i++)
        {
            var xi = Unsafe.Add(ref x0, 3 * i);
            var yi = Unsafe.Add(ref x0, 3 * i + 1);
            var zi = Unsafe.Add(ref x0, 3 * i + 2);
            var row = (Unsafe.Add(ref type0, i) - 1) * p.TypeCount - 1;
            double fxi = 0, fyi = 0, fzi = 0;
            var last = offsets[i + 1];
            for (var k = offsets[i]; k < last; k++)
            {
                var entry = Unsafe.Add(ref entry0, k);
                var j = entry >> 6;
                // The neighbour's periodic image as a LAMMPS ghost atom, x_j + s L, from the shift table.
                ref var s = ref Unsafe.Add(ref shift0, 3 * (entry & 63));
                ref var xj = ref Unsafe.Add(ref x0, 3 * j);
                var delx = xi - (xj + s);
                var dely = yi - (Unsafe.Add(ref xj, 1) + Unsafe.Add(ref s, 1));
                var delz = zi - (Unsafe.Add(ref xj, 2) + Unsafe.Add(ref s, 2));
                var rsq = delx * delx + dely * dely + delz * delz;
                ref var c = ref singleType ? ref table0 : ref Unsafe.Add(ref table0, (row + Unsafe.Add(ref type0, j)) * Stride);
                if (rsq >= c)
                {
                    continue;
                }
                var r2inv = 1.0 / rsq;
                var r6inv = r2inv * r2inv * r2inv;
                var fpair = r6inv * (Unsafe.Add(ref c, 1) * r6inv - Unsafe.Add(ref c, 2)) * r2inv;
                fxi += delx * fpair;
                fyi += dely * fpair;
                fzi += delz * fpair;
                ref var fj = ref Unsafe.Add(ref f0, 3 * j);
                fj -= delx * fpair;
                Unsafe.Add(ref fj, 1) -= dely * fpair;
                Unsafe.Add(ref fj, 2) -= delz * fpair;
                if (p.Energy)
                {
                    var evdwl = r6inv * (Unsafe.Add(ref c, 3) * r6inv - Unsafe.Add(ref c, 4)) - Unsafe.Add(ref c, 5);
                    tally.Energy += evdwl;
                    if (eatom is not null)
                    {
                        eatom[i] += 0.5 * evdwl;
                        eatom[j] += 0.5 * evdwl;
                    }
                }
                if (p.Virial)
                {
                    tally.AddPairVirial(delx, dely, delz, fpair, vatom, i, j);
                }
            }
            ref var fi = ref Unsafe.Add(ref f0, 3 * i);
            fi += fxi;
            Unsafe.Add(ref fi, 1) += fyi;
            Unsafe.Add(ref fi, 2) += fzi;
        }
    }

    private void ComputeKernel(MdState state, NeighborList list, ForceResult result)
    {
        var n = state.AtomCount;
        _kernel ??= new KernelBuffers(ComputeBackend.Create(
            _options.Backend, new ComputeBackendOptions { MaxDegreeOfParallelism = _options.EffectiveThreads }), _table);
        var k = _kernel;
        k.Upload(state, list);
        var tally = result.Requested != ForceTerms.Forces;
        var parameters = new LennardJonesCutKernelParameters(
            n, TypeCount, state.Box.LengthX, state.Box.LengthY, state.Box.LengthZ, tally ? 1 : 0);
        k.Backend.Launch(
            LennardJonesCutKernel.FullListForces,
            new LaunchExtent(n, Tune.TunedSchedules.LennardJonesChunk(n, GlobalCutoff, 64),
                Tune.TunedSchedules.LennardJonesChunk(n, GlobalCutoff, 0)),
            k.PositionsAndTypes!.View,
            k.Neighbors!.View,
            k.Table.View,
            parameters,
            k.Output!.View);
        var output = k.Download();
        var f = result.Forces;
        const int s = LennardJonesCutKernel.OutputStride;
        for (var i = 0; i < n; i++)
        {
            f[3 * i] += output[s * i];
            f[3 * i + 1] += output[s * i + 1];
            f[3 * i + 2] += output[s * i + 2];
        }
        if (!tally)
        {
            return;
        }
        var perAtomEnergy = result.Wants(ForceTerms.PerAtomEnergy);
        var perAtomVirial = result.Wants(ForceTerms.PerAtomVirial);
        var totals = new PairTally();
        for (var i = 0; i < n; i++)
        {
            var o = s * i;
            totals.Energy += output[o + 3];
            totals.Xx += output[o + 4];
            totals.Yy += output[o + 5];
            totals.Zz += output[o + 6];
            totals.Xy += output[o + 7];
            totals.Xz += output[o + 8];
            totals.Yz += output[o + 9];
            if (perAtomEnergy)
            {
                result.PerAtomEnergy[i] += output[o + 3];
            }
            if (perAtomVirial)
            {
                for (var c = 0; c < 6; c++)
                {
                    result.PerAtomVirial[6 * i + c] += output[o + 4 + c];
                }
            }
        }
        totals.AddTo(result);
    }

    private void EnsureScratch(int threads, int n, bool perAtomEnergy, bool perAtomVirial)
    {
        if (_scratch.Length != threads || _scratch[0].Forces.Length != 3 * n)
        {
            _scratch = Enumerable.Range(0, threads).Select(_ => new ThreadScratch(n)).ToArray();
        }
        foreach (var scratch in _scratch)
        {
            if (perAtomEnergy && scratch.Energy.Length != n)
            {
                scratch.Energy = new double[n];
            }
            if (perAtomVirial && scratch.Virial.Length != 6 * n)
            {
                scratch.Virial = new double[6 * n];
            }
        }
    }
    private static void Add(double[] source, double[] target)
    {
        for (var k = 0; k < source.Length; k++)
        {
            target[k] += source[k];
        }
    }

    private readonly record struct HalfInput(
        double[] Positions,
        int[] Types,
        int TypeCount,
        int[] Offsets,
        int[] Entries,
        double[] Table,
        double[] Shifts,
        bool Energy,
        bool Virial);

    private sealed class ThreadScratch(int n)
    {
        public double[] Forces { get; } = new double[3 * n];

        public double[] Energy { get; set; } = [];

        public double[] Virial { get; set; } = [];

        public PairTally Tally { get; set; }
    }

    // Device (or, on CPU nodes, host) buffers of the kernel path; the list is uploaded again only after a rebuild.
    private sealed class KernelBuffers(ComputeBackend backend, double[] table) : IDisposable
    {
        private NeighborList? _uploadedList;
        private double[] _positionsHost = [];
        private double[] _outputHost = [];

        public ComputeBackend Backend { get; } = backend;

        public ComputeBuffer<double> Table { get; } = backend.FromArray(table);

        public ComputeBuffer<double>? PositionsAndTypes { get; private set; }

        public ComputeBuffer<int>? Neighbors { get; private set; }

        public ComputeBuffer<double>? Output { get; private set; }

        public void Upload(MdState state, NeighborList list)
        {
            var n = state.AtomCount;
            if (PositionsAndTypes is null || PositionsAndTypes.Length != 4 * n)
            {
                PositionsAndTypes?.Dispose();
                Output?.Dispose();
                PositionsAndTypes = Backend.Allocate1D<double>(4 * n);
                Output = Backend.Allocate1D<double>(LennardJonesCutKernel.OutputStride * n);
                _positionsHost = new double[4 * n];
                _outputHost = new double[LennardJonesCutKernel.OutputStride * n];
            }
            var x = state.Positions;
            var types = state.Types;
            var host = PositionsAndTypes.IsHostMemory ? PositionsAndTypes.AsSpan() : _positionsHost;
            for (var i = 0; i < n; i++)
            {
                host[4 * i] = x[3 * i];
                host[4 * i + 1] = x[3 * i + 1];
                host[4 * i + 2] = x[3 * i + 2];
                host[4 * i + 3] = types[i] - 1;
            }
            if (!PositionsAndTypes.IsHostMemory)
            {
                PositionsAndTypes.CopyFrom(_positionsHost);
            }
            if (!ReferenceEquals(list, _uploadedList))
            {
                var packed = list.ToPacked();
                if (Neighbors is null || Neighbors.Length < packed.Length)
                {
                    Neighbors?.Dispose();
                    Neighbors = Backend.Allocate1D<int>(packed.Length + packed.Length / 8);
                }
                Neighbors.CopyFrom(packed);
                _uploadedList = list;
            }
        }

        public ReadOnlySpan<double> Download()
        {
            if (Output!.IsHostMemory)
            {
                Backend.Synchronize();
                return Output.AsSpan();
            }
            Output.CopyTo(_outputHost);
            return _outputHost;
        }

        public void Dispose()
        {
            Table.Dispose();
            PositionsAndTypes?.Dispose();
            Neighbors?.Dispose();
            Output?.Dispose();
            Backend.Dispose();
        }
    }
}
