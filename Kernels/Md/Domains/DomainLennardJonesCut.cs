using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    // expressions as Loop, so the same bits.
    private static void ForcesOneType(in Input p, int start, int end)
    {
        // Unchecked indexing: DomainNeighborList holds only local indices below its local count, and Compute checked
        // the positions against that count and the result against the owned count.
        ref var x0 = ref MemoryMarshal.GetArrayDataReference(p.Positions);
        ref var n0 = ref MemoryMarshal.GetArrayDataReference(p.Neighbors);
        ref var o0 = ref MemoryMarshal.GetArrayDataReference(p.Offsets);
        ref var f0 = ref MemoryMarshal.GetArrayDataReference(p.Forces);
        var cutsq = p.Table[0];
        var lj1 = p.Table[1];
        var lj2 = p.Table[2];
        for (var i = start; i < end; i++)
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

    // Any number of types, coefficients per pair; with TTally = On also the atom's energy and virial, half of each
    // pair (LAMMPS ev_tally: v = (dx dx, dy dy, dz dz, dx dy, dx dz, dy dz) fpair).
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
