using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Kernels.Md.LongRange;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>LAMMPS' <c>pair_style lj/cut/coul/long</c> (real-space part) over one domain's
/// <see cref="DomainNeighborList"/>, in plain C#: each owned atom sums its row in key order and writes only its own
/// force.</summary>
/// <remarks>
/// Coefficients, cutoffs, g_ewald and the erfc evaluation are those of the <see cref="LennardJonesCutCoulombLong"/>
/// it is made from, and so is the arithmetic per pair (src/KSPACE/pair_lj_cut_coul_long.cpp with
/// <c>pair_modify table 0</c>): fpair = (forcecoul + forcelj) / r^2, forcecoul = qqr2e q_i q_j / r (erfc(g r) +
/// 2 g r / sqrt(pi) exp(-g^2 r^2)), forcelj = r^-6 (lj1 r^-6 - lj2). Each atom takes half of each pair's energy and
/// virial. The reciprocal-space part is not included.
/// </remarks>
public sealed class DomainLennardJonesCutCoulombLong : IDomainPairStyle
{
    private const int Stride = LennardJonesCutCoulombLong.Stride;

    private readonly double[] _table;
    private readonly ParallelOptions _parallel;
    private readonly DomainTallies _tallies = new();
    private double[] _coulomb = [];
    private readonly double _coulombCutoffSquared;
    private readonly double _gEwald;
    private readonly double _qqr2e;
    private readonly bool _exactErfc;

    /// <summary>The domain loop of <paramref name="source"/>'s coefficients in unit style <paramref name="units"/>.</summary>
    /// <param name="source">The engine's lj/cut/coul/long style; its coefficient table is copied.</param>
    /// <param name="units">Unit style of the positions and charges: gives the Coulomb constant qqr2e.</param>
    /// <param name="threads">Threads of <see cref="Compute"/>; 0 for all processors.</param>
    public DomainLennardJonesCutCoulombLong(LennardJonesCutCoulombLong source, UnitSystem units, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(units);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _table = source.PairTable.ToArray();
        TypeCount = source.TypeCount;
        Cutoff = source.MaxCutoffDistance;
        _coulombCutoffSquared = source.CoulombCutoffDistance * source.CoulombCutoffDistance;
        _gEwald = source.GEwald;
        _qqr2e = units.Qqr2e;
        _exactErfc = source.Erfc == RealSpaceErfc.Exact;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    /// <inheritdoc/>
    public string Name => "lj/cut/coul/long";

    /// <inheritdoc/>
    public double Cutoff { get; }

    /// <inheritdoc/>
    public bool UsesCharges => true;

    /// <summary>Atom types.</summary>
    public int TypeCount { get; }

    /// <summary>Threads of <see cref="Compute"/>.</summary>
    public int Threads { get; }

    /// <summary>The real-space Coulomb part of each owned atom's energy at the last tallied <see cref="Compute"/>
    /// (LAMMPS' <c>ecoul</c>, half of each pair).</summary>
    public ReadOnlySpan<double> CoulombEnergy(int owned) => _coulomb.AsSpan(0, owned);

    /// <inheritdoc/>
    public void Compute(DomainNeighborList list, double[] positions, int[] types, double[]? charges, ForceResult result)
    {
        DomainPairSupport.Validate(Name, list, positions, types, charges, true, TypeCount, result);
        var owned = list.OwnedCount;
        var tally = DomainPairSupport.WantsTally(result);
        if (tally)
        {
            _tallies.Ensure(owned);
            if (_coulomb.Length < _tallies.Energy.Length)
            {
                _coulomb = new double[_tallies.Energy.Length];
            }
        }
        var input = new Input(positions, charges!, types, TypeCount, list.OffsetArray, list.NeighborArray, _table,
            result.Forces, _tallies.Energy, _tallies.Virial, _coulomb, _coulombCutoffSquared, _gEwald, _qqr2e);
        var threads = Math.Max(1, Math.Min(Threads, owned / 64));
        int[] bounds = threads == 1 ? [0, owned] : list.BalancedRanges(threads);
        Parallel.For(0, threads, _parallel, t =>
        {
            switch (tally, _exactErfc)
            {
                case (true, true):
                    Loop<On, On>(input, bounds[t], bounds[t + 1]);
                    break;
                case (true, false):
                    Loop<On, Off>(input, bounds[t], bounds[t + 1]);
                    break;
                case (false, true):
                    Loop<Off, On>(input, bounds[t], bounds[t + 1]);
                    break;
                default:
                    Loop<Off, Off>(input, bounds[t], bounds[t + 1]);
                    break;
            }
        });
        if (tally)
        {
            _tallies.AddTo(result, owned);
        }
    }

    // PairLJCutCoulLong::compute over a full list, one owned atom at a time; TExact = On for the double-precision
    // erfc, Off for LAMMPS' polynomial.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Loop<TTally, TExact>(in Input p, int start, int end)
        where TTally : struct
        where TExact : struct
    {
        var tally = typeof(TTally) == typeof(On);
        var exact = typeof(TExact) == typeof(On);
        // Unchecked indexing: DomainNeighborList holds only local indices below its local count, and Compute checked
        // positions, types and charges against that count and the result against the owned count.
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var q0 = ref MemoryMarshal.GetArrayDataReference(p.Charges);
        ref var n0 = ref MemoryMarshal.GetArrayDataReference(p.Neighbors);
        ref var o0 = ref MemoryMarshal.GetArrayDataReference(p.Offsets);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(p.Forces);
        ref var type0 = ref MemoryMarshal.GetArrayDataReference(p.Types);
        ref var table0 = ref MemoryMarshal.GetArrayDataReference(p.Table);
        var coulombCutoffSquared = p.CoulombCutoffSquared;
        var gEwald = p.GEwald;
        var qqr2e = p.Qqr2e;
        for (var i = start; i < end; i++)
        {
            ref var xi = ref Unsafe.Add(ref x0, 3 * i);
            var xtmp = xi;
            var ytmp = Unsafe.Add(ref xi, 1);
            var ztmp = Unsafe.Add(ref xi, 2);
            var qtmp = Unsafe.Add(ref q0, i);
            var row = (Unsafe.Add(ref type0, i) - 1) * p.TypeCount - 1;
            double fx = 0, fy = 0, fz = 0, energy = 0, coulomb = 0;
            double vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
            var last = Unsafe.Add(ref o0, i + 1);
            for (var k = Unsafe.Add(ref o0, i); k < last; k++)
            {
                var j = Unsafe.Add(ref n0, k);
                ref var xj = ref Unsafe.Add(ref x0, 3 * j);
                var delx = xtmp - xj;
                var dely = ytmp - Unsafe.Add(ref xj, 1);
                var delz = ztmp - Unsafe.Add(ref xj, 2);
                var rsq = delx * delx + dely * dely + delz * delz;
                ref var c = ref Unsafe.Add(ref table0, (row + Unsafe.Add(ref type0, j)) * Stride);
                if (rsq >= Unsafe.Add(ref c, 6))
                {
                    continue;
                }
                var r2inv = 1.0 / rsq;
                double forcecoul = 0, ecoul = 0;
                if (rsq < coulombCutoffSquared)
                {
                    var r = Math.Sqrt(rsq);
                    var grij = gEwald * r;
                    var prefactor = qqr2e * qtmp * Unsafe.Add(ref q0, j) / r;
                    double erfc, expm2;
                    if (exact)
                    {
                        erfc = ComplementaryErrorFunction.EvaluateWithGaussian(grij, out expm2);
                        forcecoul = prefactor * (erfc + ComplementaryErrorFunction.TwoOverSqrtPi * grij * expm2);
                    }
                    else
                    {
                        expm2 = Math.Exp(-grij * grij);
                        erfc = LennardJonesCutCoulombLong.PolynomialErfc(grij, expm2);
                        forcecoul = prefactor * (erfc + LennardJonesCutCoulombLong.EwaldF * grij * expm2);
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
                fx += delx * fpair;
                fy += dely * fpair;
                fz += delz * fpair;
                if (tally)
                {
                    var evdwl = lj ? r6inv * (Unsafe.Add(ref c, 3) * r6inv - Unsafe.Add(ref c, 4)) - Unsafe.Add(ref c, 5) : 0.0;
                    energy += 0.5 * (evdwl + ecoul);
                    coulomb += 0.5 * ecoul;
                    vxx += 0.5 * (delx * delx * fpair);
                    vyy += 0.5 * (dely * dely * fpair);
                    vzz += 0.5 * (delz * delz * fpair);
                    vxy += 0.5 * (delx * dely * fpair);
                    vxz += 0.5 * (delx * delz * fpair);
                    vyz += 0.5 * (dely * delz * fpair);
                }
            }
            ref var fi = ref Unsafe.Add(ref f0, 3 * i);
            fi += fx;
            Unsafe.Add(ref fi, 1) += fy;
            Unsafe.Add(ref fi, 2) += fz;
            if (tally)
            {
                p.Energy[i] = energy;
                p.Coulomb[i] = coulomb;
                var v = p.Virial.AsSpan(6 * i, 6);
                v[0] = vxx;
                v[1] = vyy;
                v[2] = vzz;
                v[3] = vxy;
                v[4] = vxz;
                v[5] = vyz;
            }
        }
    }

    private readonly record struct Input(
        double[] Positions,
        double[] Charges,
        int[] Types,
        int TypeCount,
        int[] Offsets,
        int[] Neighbors,
        double[] Table,
        double[] Forces,
        double[] Energy,
        double[] Virial,
        double[] Coulomb,
        double CoulombCutoffSquared,
        double GEwald,
        double Qqr2e);

    private readonly struct On;

    private readonly struct Off;
}
