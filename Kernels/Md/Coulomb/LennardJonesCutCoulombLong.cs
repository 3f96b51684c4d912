using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dataflow.Kernels.Md.LongRange;

namespace Dataflow.Kernels.Md.Coulomb;

/// <summary>LAMMPS' <c>pair_style lj/cut/coul/long cut_lj [cut_coul]</c>: 12-6 Lennard-Jones cut at r_c,lj plus the
/// real-space Ewald Coulomb term qqr2e q_i q_j erfc(g r) / r cut at r_c,coul (docs.lammps.org/pair_lj_cut_coul.html,
/// the coul/long form of its energy equation), in one half-list pair loop.</summary>
/// <remarks>
/// <para>The reciprocal part and g_ewald come from a <see cref="KSpaceForceProvider"/> (LAMMPS takes
/// <c>force->kspace->g_ewald</c>); construct this style with that provider's <see cref="KSpaceForceProvider.GEwald"/>.
/// Arithmetic per pair follows src/KSPACE/pair_lj_cut_coul_long.cpp, <c>compute()</c> with
/// <c>pair_modify table 0</c> and <c>init_one()</c>: fpair = (forcecoul + forcelj) / r^2 with
/// forcecoul = qqr2e q_i q_j / r (erfc(g r) + 2 g r / sqrt(pi) exp(-g^2 r^2)) and forcelj = r^-6 (lj1 r^-6 - lj2).
/// No special bonds (there are no bonds), no tail correction; <c>pair_modify shift yes</c> shifts the LJ energy
/// only, as LAMMPS does. LJ coefficients and cutoffs of unlike pairs mix as <see cref="LennardJonesCut"/>'s; the
/// Coulomb cutoff is global, as in LAMMPS.</para>
/// <para>Energy and virial per atom: half of each pair to each atom (LAMMPS <c>ev_tally</c>). Threads split the
/// atoms into ranges of equal list length; forces are reduced in thread order, so a thread count gives
/// reproducible bits. No GPU kernel variant: this style runs on the CPU half list only.</para>
/// </remarks>
public sealed class LennardJonesCutCoulombLong : IForceProvider
{
    // LAMMPS pair_lj_cut_coul_long.cpp: EWALD_F (2/sqrt(pi) to 9 digits), EWALD_P and A1..A5 of A&S 7.1.26.
    internal const double EwaldF = 1.12837917;
    internal const double EwaldP = 0.3275911;
    internal const double A1 = 0.254829592;
    internal const double A2 = -0.284496736;
    internal const double A3 = 1.421413741;
    internal const double A4 = -1.453152027;
    internal const double A5 = 1.061405429;

    /// <summary>Doubles per type pair in <see cref="PairTable"/>: cut_lj^2, lj1, lj2, lj3, lj4, offset, cut^2 (the
    /// larger of the LJ and Coulomb cutoffs), padding.</summary>
    internal const int Stride = 8;

    private readonly double[] _table;
    private readonly double[] _epsilon;
    private readonly double[] _sigma;
    private readonly double[] _ljCutoff;
    private readonly int _threads;
    private readonly ParallelOptions _parallel;
    private readonly ImageShiftTable _shifts = new();
    private double[][] _scratchForces = [];

    /// <summary>An lj/cut/coul/long pair style over <paramref name="typeCount"/> atom types.</summary>
    /// <param name="typeCount">Atom types.</param>
    /// <param name="ljCutoffDistance">LJ cutoff of pairs whose coefficient gives none (<c>cut_lj</c>).</param>
    /// <param name="coulombCutoffDistance">Coulomb cutoff (<c>cut_coul</c>); null takes
    /// <paramref name="ljCutoffDistance"/>, as LAMMPS does with one argument.</param>
    /// <param name="gEwald">Ewald splitting parameter g, inverse distance units, from the k-space solver.</param>
    /// <param name="coefficients">The <c>pair_coeff</c> lines (epsilon, sigma, optional LJ cutoff).</param>
    /// <param name="mixing">Rule for unlike pairs not given (<c>pair_modify mix</c>; LAMMPS' default geometric).</param>
    /// <param name="shift">Shift LJ energies to zero at the LJ cutoff (<c>pair_modify shift yes</c>).</param>
    /// <param name="erfc">How erfc is evaluated; default LAMMPS' polynomial (<c>pair_modify table 0</c>).</param>
    /// <param name="options">Threads; only <see cref="PairComputePath.HalfList"/> is supported.</param>
    public LennardJonesCutCoulombLong(
        int typeCount,
        double ljCutoffDistance,
        double? coulombCutoffDistance,
        double gEwald,
        IEnumerable<LennardJonesPairCoefficient> coefficients,
        LennardJonesMixing mixing = LennardJonesMixing.Geometric,
        bool shift = false,
        RealSpaceErfc erfc = RealSpaceErfc.LammpsPolynomial,
        PairComputeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        var coulomb = coulombCutoffDistance ?? ljCutoffDistance;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(coulomb, nameof(coulombCutoffDistance));
        if (!(gEwald > 0) || !double.IsFinite(gEwald))
        {
            throw new ArgumentOutOfRangeException(nameof(gEwald), gEwald, "g_ewald must be positive and finite");
        }
        options ??= PairComputeOptions.Default;
        if (options.Path != PairComputePath.HalfList)
        {
            throw new ArgumentException("lj/cut/coul/long runs on the half-list pair loop only", nameof(options));
        }
        // lj/cut validates and mixes the LJ coefficients exactly as PairLJCutCoulLong::init_one does.
        using var lj = new LennardJonesCut(typeCount, ljCutoffDistance, coefficients, mixing, shift, options);
        TypeCount = typeCount;
        LjCutoffDistance = ljCutoffDistance;
        CoulombCutoffDistance = coulomb;
        GEwald = gEwald;
        Mixing = mixing;
        Shift = shift;
        Erfc = erfc;
        _threads = options.EffectiveThreads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        _epsilon = new double[typeCount * typeCount];
        _sigma = new double[typeCount * typeCount];
        _ljCutoff = new double[typeCount * typeCount];
        _table = new double[typeCount * typeCount * Stride];
        var maxCutoff = coulomb;
        for (var i = 1; i <= typeCount; i++)
        {
            for (var j = 1; j <= typeCount; j++)
            {
                var ij = (i - 1) * typeCount + j - 1;
                var epsilon = _epsilon[ij] = lj.Epsilon(i, j);
                var sigma = _sigma[ij] = lj.Sigma(i, j);
                var cut = _ljCutoff[ij] = lj.Cutoff(i, j);
                // PairLJCutCoulLong::init_one.
                var row = ij * Stride;
                _table[row] = cut * cut;
                _table[row + 1] = 48.0 * epsilon * Math.Pow(sigma, 12.0);
                _table[row + 2] = 24.0 * epsilon * Math.Pow(sigma, 6.0);
                _table[row + 3] = 4.0 * epsilon * Math.Pow(sigma, 12.0);
                _table[row + 4] = 4.0 * epsilon * Math.Pow(sigma, 6.0);
                if (shift && cut > 0)
                {
                    var ratio = sigma / cut;
                    _table[row + 5] = 4.0 * epsilon * (Math.Pow(ratio, 12.0) - Math.Pow(ratio, 6.0));
                }
                var pairCut = Math.Max(cut, coulomb);
                _table[row + 6] = pairCut * pairCut;
                maxCutoff = Math.Max(maxCutoff, pairCut);
            }
        }
        MaxCutoffDistance = maxCutoff;
    }

    /// <summary>Atom types.</summary>
    public int TypeCount { get; }

    /// <summary>Global LJ cutoff, distance units.</summary>
    public double LjCutoffDistance { get; }

    /// <summary>Coulomb cutoff, distance units.</summary>
    public double CoulombCutoffDistance { get; }

    /// <summary>Largest of the LJ and Coulomb cutoffs: what the neighbour list must cover.</summary>
    public double MaxCutoffDistance { get; }

    /// <summary>Ewald splitting parameter g, inverse distance units.</summary>
    public double GEwald { get; }

    /// <summary>Mixing rule for unlike LJ pairs.</summary>
    public LennardJonesMixing Mixing { get; }

    /// <summary>Whether LJ energies are shifted to zero at the LJ cutoff.</summary>
    public bool Shift { get; }

    /// <summary>How erfc is evaluated.</summary>
    public RealSpaceErfc Erfc { get; }

    /// <inheritdoc/>
    public string Name => "lj/cut/coul/long";

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => new(MaxCutoffDistance, NeighborListKind.Half);

    /// <summary>Well depth of pair (<paramref name="typeI"/>, <paramref name="typeJ"/>), types from 1, after mixing.</summary>
    public double Epsilon(int typeI, int typeJ) => _epsilon[(typeI - 1) * TypeCount + typeJ - 1];

    /// <summary>Sigma of pair (<paramref name="typeI"/>, <paramref name="typeJ"/>), after mixing.</summary>
    public double Sigma(int typeI, int typeJ) => _sigma[(typeI - 1) * TypeCount + typeJ - 1];

    /// <summary>LJ cutoff of pair (<paramref name="typeI"/>, <paramref name="typeJ"/>), after mixing.</summary>
    public double LjCutoff(int typeI, int typeJ) => _ljCutoff[(typeI - 1) * TypeCount + typeJ - 1];

    /// <summary>The lj/cut/coul/long style with g_ewald and the Coulomb cutoff of <paramref name="kspace"/>, as
    /// LAMMPS pairs <c>pair_style lj/cut/coul/long cut_lj cut_coul</c> with a <c>kspace_style</c>.</summary>
    public static LennardJonesCutCoulombLong ForKSpace(
        KSpaceForceProvider kspace,
        int typeCount,
        double ljCutoffDistance,
        IEnumerable<LennardJonesPairCoefficient> coefficients,
        LennardJonesMixing mixing = LennardJonesMixing.Geometric,
        bool shift = false,
        RealSpaceErfc erfc = RealSpaceErfc.LammpsPolynomial,
        PairComputeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kspace);
        return new(typeCount, ljCutoffDistance, kspace.CoulombCutoff, kspace.GEwald, coefficients, mixing, shift, erfc, options);
    }

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        if (list is null || list.Kind != NeighborListKind.Half)
        {
            throw new ArgumentException("lj/cut/coul/long needs a half neighbour list", nameof(list));
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
        if (list.Box != state.Box)
        {
            throw new ArgumentException("the neighbour list was built for another box; rebuild it after the box changes", nameof(list));
        }
        var charges = state.Charges
            ?? throw new ArgumentException("lj/cut/coul/long needs charges: read the data file with atom_style charge or full", nameof(state));
        var n = state.AtomCount;
        var input = new Input(
            state.Positions, charges, state.Types, TypeCount, list.Offsets, list.Entries, _table, _shifts.For(state.Box),
            CoulombCutoffDistance * CoulombCutoffDistance, GEwald, state.Units.Qqr2e, Erfc == RealSpaceErfc.Exact,
            result.Wants(ForceTerms.Energy) || result.Wants(ForceTerms.PerAtomEnergy),
            result.Wants(ForceTerms.Virial) || result.Wants(ForceTerms.PerAtomVirial));
        var eatom = result.Wants(ForceTerms.PerAtomEnergy) ? result.PerAtomEnergy : null;
        var vatom = result.Wants(ForceTerms.PerAtomVirial) ? result.PerAtomVirial : null;
        var threads = Math.Max(1, Math.Min(_threads, n / 64));
        // Per-atom tallies write to both atoms of a pair: run them on one thread rather than keep per-thread copies.
        if (threads == 1 || eatom is not null || vatom is not null)
        {
            var tally = new PairTally();
            Range(input, 0, n, result.Forces, eatom, vatom, ref tally);
            tally.AddTo(result);
            return;
        }
        if (_scratchForces.Length != threads || _scratchForces[0].Length != 3 * n)
        {
            _scratchForces = Enumerable.Range(0, threads).Select(_ => new double[3 * n]).ToArray();
        }
        var bounds = list.BalancedAtomRanges(threads);
        var tallies = new PairTally[threads];
        Parallel.For(0, threads, _parallel, t =>
        {
            Array.Clear(_scratchForces[t]);
            var tally = new PairTally();
            Range(input, bounds[t], bounds[t + 1], _scratchForces[t], null, null, ref tally);
            tallies[t] = tally;
        });
        for (var t = 0; t < threads; t++)
        {
            var forces = _scratchForces[t];
            for (var k = 0; k < forces.Length; k++)
            {
                result.Forces[k] += forces[k];
            }
            tallies[t].AddTo(result);
        }
    }

    /// <summary>The resolved coefficients, <see cref="Stride"/> doubles per type pair (row (typeI - 1) * TypeCount +
    /// typeJ - 1), as <c>PairLJCutCoulLong::init_one</c> computes them. For pair loops elsewhere that must share
    /// this arithmetic.</summary>
    internal ReadOnlySpan<double> PairTable => _table;

    /// <summary>Energy of one pair of types (<paramref name="typeI"/>, <paramref name="typeJ"/>) with charges
    /// <paramref name="qi"/>, <paramref name="qj"/> at distance <paramref name="r"/> in unit style
    /// <paramref name="units"/>: LJ (with shift) plus real-space Coulomb, each 0 beyond its cutoff.</summary>
    public double PairEnergy(int typeI, int typeJ, double qi, double qj, double r, UnitSystem units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var row = ((typeI - 1) * TypeCount + typeJ - 1) * Stride;
        var rsq = r * r;
        var energy = 0.0;
        if (rsq < _table[row])
        {
            var r6inv = 1.0 / (rsq * rsq * rsq);
            energy += r6inv * (_table[row + 3] * r6inv - _table[row + 4]) - _table[row + 5];
        }
        if (rsq < CoulombCutoffDistance * CoulombCutoffDistance)
        {
            var grij = GEwald * r;
            var erfc = Erfc == RealSpaceErfc.Exact
                ? ComplementaryErrorFunction.EvaluateWithGaussian(grij, out _)
                : PolynomialErfc(grij, Math.Exp(-grij * grij));
            energy += units.Qqr2e * qi * qj / r * erfc;
        }
        return energy;
    }

    // PairLJCutCoulLong::compute with newton on and pair_modify table 0: each pair once.
    private static void Range(in Input p, int start, int end, double[] f, double[]? eatom, double[]? vatom, ref PairTally tally)
    {
        // Unchecked indexing: NeighborList checked every entry against its atom count, and Compute checked that the
        // state, the list and the result hold the same number of atoms.
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(f);
        ref var q0 = ref MemoryMarshal.GetArrayDataReference(p.Charges);
        ref var entry0 = ref MemoryMarshal.GetArrayDataReference(p.Entries);
        ref var type0 = ref MemoryMarshal.GetArrayDataReference(p.Types);
        ref var table0 = ref MemoryMarshal.GetArrayDataReference(p.Table);
        ref var shift0 = ref MemoryMarshal.GetArrayDataReference(p.Shifts);
        var offsets = p.Offsets;
        for (var i = start; i < end; i++)
        {
            var xi = Unsafe.Add(ref x0, 3 * i);
            var yi = Unsafe.Add(ref x0, 3 * i + 1);
            var zi = Unsafe.Add(ref x0, 3 * i + 2);
            var qtmp = Unsafe.Add(ref q0, i);
            var row = (Unsafe.Add(ref type0, i) - 1) * p.TypeCount - 1;
            double fxi = 0, fyi = 0, fzi = 0;
            var last = offsets[i + 1];
            for (var k = offsets[i]; k < last; k++)
            {
                var entry = Unsafe.Add(ref entry0, k);
                var j = entry >> 6;
                ref var s = ref Unsafe.Add(ref shift0, 3 * (entry & 63));
                ref var xj = ref Unsafe.Add(ref x0, 3 * j);
                var delx = xi - (xj + s);
                var dely = yi - (Unsafe.Add(ref xj, 1) + Unsafe.Add(ref s, 1));
                var delz = zi - (Unsafe.Add(ref xj, 2) + Unsafe.Add(ref s, 2));
                var rsq = delx * delx + dely * dely + delz * delz;
                ref var c = ref Unsafe.Add(ref table0, (row + Unsafe.Add(ref type0, j)) * Stride);
                if (rsq >= Unsafe.Add(ref c, 6))
                {
                    continue;
                }
                var r2inv = 1.0 / rsq;
                double forcecoul = 0, ecoul = 0;
                if (rsq < p.CoulombCutoffSquared)
                {
                    var r = Math.Sqrt(rsq);
                    var grij = p.GEwald * r;
                    var prefactor = p.Qqr2e * qtmp * Unsafe.Add(ref q0, j) / r;
                    double erfc, expm2;
                    if (p.ExactErfc)
                    {
                        erfc = ComplementaryErrorFunction.EvaluateWithGaussian(grij, out expm2);
                        forcecoul = prefactor * (erfc + ComplementaryErrorFunction.TwoOverSqrtPi * grij * expm2);
                    }
                    else
                    {
                        expm2 = Math.Exp(-grij * grij);
                        erfc = PolynomialErfc(grij, expm2);
                        forcecoul = prefactor * (erfc + EwaldF * grij * expm2);
                    }
                    ecoul = prefactor * erfc;
                }
                double forcelj = 0, r6inv = 0;
                var lj = rsq < c;
                if (lj)
                {
                    r6inv = r2inv * r2inv * r2inv;
                    forcelj = r6inv * (Unsafe.Add(ref c, 1) * r6inv - Unsafe.Add(ref c, 2));
                }
                var fpair = (forcecoul + forcelj) * r2inv;
                fxi += delx * fpair;
                fyi += dely * fpair;
                fzi += delz * fpair;
                ref var fj = ref Unsafe.Add(ref f0, 3 * j);
                fj -= delx * fpair;
                Unsafe.Add(ref fj, 1) -= dely * fpair;
                Unsafe.Add(ref fj, 2) -= delz * fpair;
                if (p.Energy)
                {
                    var evdwl = lj ? r6inv * (Unsafe.Add(ref c, 3) * r6inv - Unsafe.Add(ref c, 4)) - Unsafe.Add(ref c, 5) : 0.0;
                    tally.Energy += evdwl + ecoul;
                    if (eatom is not null)
                    {
                        eatom[i] += 0.5 * (evdwl + ecoul);
                        eatom[j] += 0.5 * (evdwl + ecoul);
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

    // Abramowitz & Stegun 7.1.26 as LAMMPS writes it: erfc(x) ~ t (A1 + t (A2 + t (A3 + t (A4 + t A5)))) exp(-x^2),
    // t = 1 / (1 + p x).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double PolynomialErfc(double grij, double expm2)
    {
        var t = 1.0 / (1.0 + EwaldP * grij);
        return t * (A1 + t * (A2 + t * (A3 + t * (A4 + t * A5)))) * expm2;
    }

    private readonly record struct Input(
        double[] Positions,
        double[] Charges,
        int[] Types,
        int TypeCount,
        int[] Offsets,
        int[] Entries,
        double[] Table,
        double[] Shifts,
        double CoulombCutoffSquared,
        double GEwald,
        double Qqr2e,
        bool ExactErfc,
        bool Energy,
        bool Virial);

}
