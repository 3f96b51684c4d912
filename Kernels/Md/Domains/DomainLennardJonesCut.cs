using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>LAMMPS' <c>pair_style lj/cut</c> over one domain's <see cref="DomainNeighborList"/>, in plain C#:
/// each owned atom sums its row in key order and writes only its own force.</summary>
/// <remarks>
/// <para>Coefficients (mixing, per-pair cutoffs, <c>pair_modify shift</c>) are those of the
/// <see cref="LennardJonesCut"/> it is made from, and the arithmetic per pair is that style's (LAMMPS
/// <c>PairLJCut::compute</c>): fpair = r^-6 (lj1 r^-6 - lj2) / r^2, E = r^-6 (lj3 r^-6 - lj4) - offset, each atom
/// taking half of each pair's energy and virial. <see cref="DomainLennardJonesCutKernel"/> is the same loop as an
/// ILGPU kernel and gives the same bits.</para>
/// <para>Threads take contiguous ranges of owned atoms with about equal list entries; an atom's result does not
/// depend on which thread computes it.</para>
/// </remarks>
public sealed class DomainLennardJonesCut : IDomainPairStyle
{
    private const int Stride = LennardJonesCutKernel.TableStride;

    private readonly double[] _table;
    private readonly ParallelOptions _parallel;
    private readonly DomainTallies _tallies = new();

    /// <summary>The domain loop of <paramref name="source"/>'s coefficients.</summary>
    /// <param name="source">The engine's lj/cut style; its coefficient table is copied.</param>
    /// <param name="threads">Threads of <see cref="Compute"/>; 0 for all processors.</param>
    public DomainLennardJonesCut(LennardJonesCut source, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _table = source.PairTable.ToArray();
        TypeCount = source.TypeCount;
        Cutoff = source.MaxCutoff;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    /// <inheritdoc/>
    public string Name => "lj/cut";

    /// <inheritdoc/>
    public double Cutoff { get; }

    /// <inheritdoc/>
    public bool UsesCharges => false;

    /// <summary>Atom types.</summary>
    public int TypeCount { get; }

    /// <summary>Threads of <see cref="Compute"/>.</summary>
    public int Threads { get; }

    /// <summary>The coefficient table, <see cref="LennardJonesCutKernel.TableStride"/> doubles per type pair.</summary>
    internal double[] PairTable => _table;

    /// <inheritdoc/>
    public void Compute(DomainNeighborList list, double[] positions, int[] types, double[]? charges, ForceResult result)
    {
        DomainPairSupport.Validate(Name, list, positions, types, charges, false, TypeCount, result);
        var owned = list.OwnedCount;
        var tally = DomainPairSupport.WantsTally(result);
        if (tally)
        {
            _tallies.Ensure(owned);
        }
        var input = new Input(positions, types, TypeCount, list.OffsetArray, list.NeighborArray, _table, result.Forces,
            _tallies.Energy, _tallies.Virial, tally);
        var threads = Math.Max(1, Math.Min(Threads, owned / 64));
        if (threads == 1)
        {
            Range(input, 0, owned);
        }
        else
        {
            var bounds = list.BalancedRanges(threads);
            Parallel.For(0, threads, _parallel, t => Range(input, bounds[t], bounds[t + 1]));
        }
        if (tally)
        {
            _tallies.AddTo(result, owned);
        }
    }

    private static void Range(in Input p, int start, int end)
    {
        if (p.Tally)
        {
            Loop<On>(p, start, end);
        }
        else if (p.TypeCount == 1)
        {
            ForcesOneType(p, start, end);
        }
        else
        {
            Loop<Off>(p, start, end);
        }
    }

    // The hot path (every step of a one-type run): forces only, coefficients hoisted out of the loops. Same
    // expressions as Loop, so the same bits. Pair loops are fully optimised from the first call (no tiering): the
    // first steps of a run would otherwise run on-stack-replacement code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForcesOneType(in Input p, int start, int end)
    {
        var i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            i = ForcesOneTypeFourAtoms(p, start, end);
        }
        // Unchecked indexing: DomainNeighborList holds only local indices below its local count, and Compute checked
        // the positions against that count and the result against the owned count.
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var n0 = ref MemoryMarshal.GetArrayDataReference(p.Neighbors);
        ref var o0 = ref MemoryMarshal.GetArrayDataReference(p.Offsets);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(p.Forces);
        var cutsq = p.Table[0];
        var lj1 = p.Table[1];
        var lj2 = p.Table[2];
        for (; i < end; i++)
        {
            ref var xi = ref Unsafe.Add(ref x0, 3 * i);
            var xtmp = xi;
            var ytmp = Unsafe.Add(ref xi, 1);
            var ztmp = Unsafe.Add(ref xi, 2);
            double fx = 0, fy = 0, fz = 0;
            var last = Unsafe.Add(ref o0, i + 1);
            for (var k = Unsafe.Add(ref o0, i); k < last; k++)
            {
                ref var xj = ref Unsafe.Add(ref x0, 3 * Unsafe.Add(ref n0, k));
                var delx = xtmp - xj;
                var dely = ytmp - Unsafe.Add(ref xj, 1);
                var delz = ztmp - Unsafe.Add(ref xj, 2);
                var rsq = delx * delx + dely * dely + delz * delz;
                if (rsq < cutsq)
                {
                    var r2inv = 1.0 / rsq;
                    var r6inv = r2inv * r2inv * r2inv;
                    var fpair = r6inv * (lj1 * r6inv - lj2) * r2inv;
                    fx += delx * fpair;
                    fy += dely * fpair;
                    fz += delz * fpair;
                }
            }
            ref var fi = ref Unsafe.Add(ref f0, 3 * i);
            fi += fx;
            Unsafe.Add(ref fi, 1) += fy;
            Unsafe.Add(ref fi, 2) += fz;
        }
    }

    // Four owned atoms at a time, one per vector lane, each walking its own row in order: lane l at step t handles
    // entry t of atom i + l's row. Every lane does the scalar loop's arithmetic (IEEE add, subtract, multiply and
    // divide round each lane as they round a scalar), a pair beyond the cutoff or past the row's end gets fpair = +0,
    // and adding the resulting signed zero leaves a lane's sum unchanged (a sum that starts at +0 is never -0): the
    // bits are the scalar loop's. Summing in row order makes each atom's additions one dependent chain; running four
    // chains side by side hides their latency, which bounds the scalar loop. Rows may be read past their end: the
    // list keeps LongestRow valid indices after the last row. Returns the first atom not done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ForcesOneTypeFourAtoms(in Input p, int start, int end)
    {
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var n0 = ref MemoryMarshal.GetArrayDataReference(p.Neighbors);
        ref var o0 = ref MemoryMarshal.GetArrayDataReference(p.Offsets);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(p.Forces);
        var cutsq = Vector256.Create(p.Table[0]);
        var lj1 = Vector256.Create(p.Table[1]);
        var lj2 = Vector256.Create(p.Table[2]);
        var one = Vector256.Create(1.0);
        var i = start;
        for (; i + 4 <= end; i += 4)
        {
            ref var xi = ref Unsafe.Add(ref x0, 3 * i);
            var xtmp = Vector256.Create(xi, Unsafe.Add(ref xi, 3), Unsafe.Add(ref xi, 6), Unsafe.Add(ref xi, 9));
            var ytmp = Vector256.Create(Unsafe.Add(ref xi, 1), Unsafe.Add(ref xi, 4), Unsafe.Add(ref xi, 7), Unsafe.Add(ref xi, 10));
            var ztmp = Vector256.Create(Unsafe.Add(ref xi, 2), Unsafe.Add(ref xi, 5), Unsafe.Add(ref xi, 8), Unsafe.Add(ref xi, 11));
            int k0 = Unsafe.Add(ref o0, i), k1 = Unsafe.Add(ref o0, i + 1), k2 = Unsafe.Add(ref o0, i + 2);
            int k3 = Unsafe.Add(ref o0, i + 3), k4 = Unsafe.Add(ref o0, i + 4);
            var length = Vector256.Create((long)(k1 - k0), k2 - k1, k3 - k2, k4 - k3);
            var steps = Math.Max(Math.Max(k1 - k0, k2 - k1), Math.Max(k3 - k2, k4 - k3));
            var fx = Vector256<double>.Zero;
            var fy = Vector256<double>.Zero;
            var fz = Vector256<double>.Zero;
            for (var t = 0; t < steps; t++)
            {
                ref var xa = ref Unsafe.Add(ref x0, 3 * Unsafe.Add(ref n0, k0 + t));
                ref var xb = ref Unsafe.Add(ref x0, 3 * Unsafe.Add(ref n0, k1 + t));
                ref var xc = ref Unsafe.Add(ref x0, 3 * Unsafe.Add(ref n0, k2 + t));
                ref var xd = ref Unsafe.Add(ref x0, 3 * Unsafe.Add(ref n0, k3 + t));
                var delx = xtmp - Vector256.Create(xa, xb, xc, xd);
                var dely = ytmp - Vector256.Create(Unsafe.Add(ref xa, 1), Unsafe.Add(ref xb, 1), Unsafe.Add(ref xc, 1), Unsafe.Add(ref xd, 1));
                var delz = ztmp - Vector256.Create(Unsafe.Add(ref xa, 2), Unsafe.Add(ref xb, 2), Unsafe.Add(ref xc, 2), Unsafe.Add(ref xd, 2));
                var rsq = delx * delx + dely * dely + delz * delz;
                var r2inv = one / rsq;
                var r6inv = r2inv * r2inv * r2inv;
                var inRow = Vector256.GreaterThan(length, Vector256.Create((long)t)).AsDouble();
                var fpair = (Vector256.LessThan(rsq, cutsq) & inRow) & (r6inv * (lj1 * r6inv - lj2) * r2inv);
                fx += delx * fpair;
                fy += dely * fpair;
                fz += delz * fpair;
            }
            ref var fi = ref Unsafe.Add(ref f0, 3 * i);
            for (var l = 0; l < 4; l++)
            {
                Unsafe.Add(ref fi, 3 * l) += fx.GetElement(l);
                Unsafe.Add(ref fi, 3 * l + 1) += fy.GetElement(l);
                Unsafe.Add(ref fi, 3 * l + 2) += fz.GetElement(l);
            }
        }
        return i;
    }

    // Any number of types, coefficients per pair; with TTally = On also the atom's energy and virial, half of each
    // pair (LAMMPS ev_tally: v = (dx dx, dy dy, dz dz, dx dy, dx dz, dy dz) fpair).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Loop<TTally>(in Input p, int start, int end)
        where TTally : struct
    {
        var tally = typeof(TTally) == typeof(On);
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var n0 = ref MemoryMarshal.GetArrayDataReference(p.Neighbors);
        ref var o0 = ref MemoryMarshal.GetArrayDataReference(p.Offsets);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(p.Forces);
        ref var type0 = ref MemoryMarshal.GetArrayDataReference(p.Types);
        ref var table0 = ref MemoryMarshal.GetArrayDataReference(p.Table);
        for (var i = start; i < end; i++)
        {
            ref var xi = ref Unsafe.Add(ref x0, 3 * i);
            var xtmp = xi;
            var ytmp = Unsafe.Add(ref xi, 1);
            var ztmp = Unsafe.Add(ref xi, 2);
            // Row of the type pair (type_i, type_j) is (type_i - 1) T + type_j - 1.
            var row = (Unsafe.Add(ref type0, i) - 1) * p.TypeCount - 1;
            double fx = 0, fy = 0, fz = 0, energy = 0;
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
                if (rsq < c)
                {
                    var r2inv = 1.0 / rsq;
                    var r6inv = r2inv * r2inv * r2inv;
                    var fpair = r6inv * (Unsafe.Add(ref c, 1) * r6inv - Unsafe.Add(ref c, 2)) * r2inv;
                    fx += delx * fpair;
                    fy += dely * fpair;
                    fz += delz * fpair;
                    if (tally)
                    {
                        energy += 0.5 * (r6inv * (Unsafe.Add(ref c, 3) * r6inv - Unsafe.Add(ref c, 4)) - Unsafe.Add(ref c, 5));
                        vxx += 0.5 * (delx * delx * fpair);
                        vyy += 0.5 * (dely * dely * fpair);
                        vzz += 0.5 * (delz * delz * fpair);
                        vxy += 0.5 * (delx * dely * fpair);
                        vxz += 0.5 * (delx * delz * fpair);
                        vyz += 0.5 * (dely * delz * fpair);
                    }
                }
            }
            ref var fi = ref Unsafe.Add(ref f0, 3 * i);
            fi += fx;
            Unsafe.Add(ref fi, 1) += fy;
            Unsafe.Add(ref fi, 2) += fz;
            if (tally)
            {
                p.Energy[i] = energy;
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
        int[] Types,
        int TypeCount,
        int[] Offsets,
        int[] Neighbors,
        double[] Table,
        double[] Forces,
        double[] Energy,
        double[] Virial,
        bool Tally);

    private readonly struct On;

    private readonly struct Off;
}
