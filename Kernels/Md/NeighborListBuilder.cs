using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Md;

/// <summary>Builds <see cref="NeighborList"/>s with a cell (bin) list: atoms are sorted into bins at least one
/// list cutoff wide, and each atom looks for neighbours in its own bin and the 26 around it, across periodic
/// boundaries.</summary>
/// <remarks>
/// <para>The method of LAMMPS' <c>neighbor ... bin</c> (docs.lammps.org/neighbor.html), with bins of at least the
/// list cutoff (LAMMPS' default bin is half of it): pairs with r^2 &lt;= (cutoff + skin)^2 enter the list, as in
/// LAMMPS' <c>npair_half_bin_newton</c>. Periodicity through stored image shifts (see <see cref="NeighborList"/>):
/// a bin beyond the edge is the bin on the other side, with the neighbour's image shifted by one box length.
/// With one or two bins along an edge the same neighbour bin is reached with different shifts; each (bin,
/// shift) pair is still visited once, so each image of each neighbour is found once.</para>
/// <para>Requirements: every box edge at least the list cutoff (so shifts of one box length suffice), and every
/// atom inside the box (call <see cref="MdState.WrapIntoBox"/> first).</para>
/// <para>Half lists: with at least three bins along every edge only the upper half of the 27-bin stencil is
/// scanned (as LAMMPS' <c>half/bin/newton</c>), so a pair sits under whichever atom's bin comes first in
/// stencil order, under the lower index within one bin; with fewer bins the whole stencil is scanned and the
/// lower index keeps the pair.</para>
/// <para>Order and threads: an atom's neighbours are listed bin by bin in a fixed stencil order and by atom index
/// within a bin, so the list does not depend on the number of threads.</para>
/// </remarks>
public sealed class NeighborListBuilder
{
    private const int CenterShiftCode = 21; // NeighborList.Encode(0, 0, 0, 0)

    private readonly ParallelOptions _parallel;
    private int[] _binOf = [];
    private int[] _binStart = [];
    private int[] _binAtoms = [];
    private double[] _sorted = [];

    /// <summary>A builder that uses up to <paramref name="threads"/> threads; 0 for all processors.</summary>
    public NeighborListBuilder(int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    /// <summary>Most threads a build uses.</summary>
    public int Threads { get; }

    /// <summary>Bins along x, y and z in the last build.</summary>
    public (int X, int Y, int Z) BinCounts { get; private set; }

    /// <summary>Lists every pair of <paramref name="state"/>'s atoms within <paramref name="cutoffDistance"/>.</summary>
    public NeighborList Build(MdState state, double cutoffDistance, NeighborListKind kind)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Build(state.Box, state.Positions, cutoffDistance, kind);
    }

    /// <summary>Lists every pair of atoms at <paramref name="positions"/> (interleaved xyz, inside
    /// <paramref name="box"/>) within <paramref name="cutoffDistance"/>.</summary>
    /// <exception cref="InvalidOperationException">A box edge is shorter than the cutoff.</exception>
    public NeighborList Build(OrthogonalBox box, double[] positions, double cutoffDistance, NeighborListKind kind)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cutoffDistance);
        var n = positions.Length / 3;
        if (n > NeighborList.MaxAtoms)
        {
            throw new ArgumentException($"{n} atoms exceed the {NeighborList.MaxAtoms} a neighbour list can index", nameof(positions));
        }
        Span<int> bins = stackalloc int[3];
        Span<double> length = stackalloc double[3];
        for (var d = 0; d < 3; d++)
        {
            length[d] = box.Length(d);
            if (length[d] < cutoffDistance)
            {
                throw new InvalidOperationException(
                    $"box edge {"xyz"[d]} ({length[d]}) is shorter than the neighbour cutoff {cutoffDistance} (interaction "
                    + "cutoff + skin); periodic images beyond the nearest are not supported: use a larger box or a smaller skin");
            }
            bins[d] = Math.Max(1, (int)Math.Floor(length[d] / cutoffDistance));
        }
        BinCounts = (bins[0], bins[1], bins[2]);
        var grid = new BinGrid(box, bins[0], bins[1], bins[2]);
        SortIntoBins(positions, n, grid);

        // Chunks of consecutive atoms, each listing its neighbours into its own buffer; concatenated in order.
        var chunkCount = n == 0 ? 0 : Math.Min(n, Threads * 4);
        var chunks = new ChunkResult[chunkCount];
        var cutoffSquared = cutoffDistance * cutoffDistance;
        var half = kind == NeighborListKind.Half;
        Parallel.For(0, chunkCount, _parallel, c =>
        {
            var start = (int)((long)n * c / chunkCount);
            var end = (int)((long)n * (c + 1) / chunkCount);
            chunks[c] = ListChunk(positions, grid, start, end, cutoffSquared, half);
        });
        var offsets = new int[n + 1];
        var total = 0L;
        foreach (var chunk in chunks)
        {
            total += chunk.Length;
        }
        if (total > int.MaxValue)
        {
            throw new InvalidOperationException($"the neighbour list would hold {total} entries, more than one array can");
        }
        var entries = new int[total];
        var at = 0;
        var atom = 0;
        foreach (var chunk in chunks)
        {
            Array.Copy(chunk.Entries, 0, entries, at, chunk.Length);
            foreach (var count in chunk.Counts)
            {
                offsets[atom++] = at;
                at += count;
            }
        }
        offsets[n] = at;
        return new NeighborList(kind, cutoffDistance, box, offsets, entries);
    }

    private void SortIntoBins(double[] positions, int n, BinGrid grid)
    {
        if (_binOf.Length < n)
        {
            _binOf = new int[n];
            _binAtoms = new int[n];
            _sorted = new double[3 * n];
        }
        if (_binStart.Length < grid.Count + 1)
        {
            _binStart = new int[grid.Count + 1];
        }
        Array.Clear(_binStart, 0, grid.Count + 1);
        for (var i = 0; i < n; i++)
        {
            var b = grid.BinOf(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]);
            _binOf[i] = b;
            _binStart[b + 1]++;
        }
        for (var b = 0; b < grid.Count; b++)
        {
            _binStart[b + 1] += _binStart[b];
        }
        var fill = new int[grid.Count];
        Array.Copy(_binStart, fill, grid.Count);
        // Atoms by bin, ascending index within a bin, with their coordinates alongside so that scanning a bin
        // reads contiguous memory.
        for (var i = 0; i < n; i++)
        {
            var k = fill[_binOf[i]]++;
            _binAtoms[k] = i;
            _sorted[3 * k] = positions[3 * i];
            _sorted[3 * k + 1] = positions[3 * i + 1];
            _sorted[3 * k + 2] = positions[3 * i + 2];
        }
    }

    private ChunkResult ListChunk(double[] x, BinGrid grid, int start, int end, double cutoffSquared, bool half)
    {
        var counts = new int[end - start];
        var buffer = new int[Math.Max(64, (end - start) * (half ? 48 : 96))];
        var used = 0;
        var binStart = _binStart;
        // A half list visits only the upper half of the stencil (LAMMPS' half/bin/newton): the pair of bins
        // (b, b + o) is then seen from b alone. That needs the 27 neighbour bins to be distinct, so three bins
        // along every edge; otherwise the full stencil is scanned and the lower index keeps the pair.
        var halfStencil = half && grid.X >= 3 && grid.Y >= 3 && grid.Z >= 3;
        ref var sorted0 = ref MemoryMarshal.GetArrayDataReference(_sorted);
        ref var atoms0 = ref MemoryMarshal.GetArrayDataReference(_binAtoms);
        for (var i = start; i < end; i++)
        {
            var xi = x[3 * i];
            var yi = x[3 * i + 1];
            var zi = x[3 * i + 2];
            var (bx, by, bz) = grid.Coordinates(_binOf[i]);
            var first = used;
            for (var oz = -1; oz <= 1; oz++)
            {
                var (cz, sz) = Wrap(bz + oz, grid.Z);
                // With one bin along an edge, offsets -1 and +1 reach the same bin under opposite shifts: both are
                // distinct images. With two, -1 and +1 reach the same bin under different shifts: also distinct.
                var shiftZ = sz * grid.LengthZ;
                for (var oy = -1; oy <= 1; oy++)
                {
                    var (cy, sy) = Wrap(by + oy, grid.Y);
                    var shiftY = sy * grid.LengthY;
                    for (var ox = -1; ox <= 1; ox++)
                    {
                        var offset = (oz * 3 + oy) * 3 + ox;
                        if (halfStencil && offset < 0)
                        {
                            continue;
                        }
                        var (cx, sx) = Wrap(bx + ox, grid.X);
                        var shiftX = sx * grid.LengthX;
                        var code = NeighborList.Encode(0, sx, sy, sz);
                        var cell = (cz * grid.Y + cy) * grid.X + cx;
                        // Which atoms of the scanned bin count: all but i itself for a full list; in a half list,
                        // those of higher index in i's own bin (and, with the full stencil, everywhere), and of
                        // i's own images only one of each pair of opposite shifts.
                        var ownBinRule = half && (!halfStencil || offset == 0);
                        var selfAllowed = code != CenterShiftCode && (!half || code > CenterShiftCode);
                        var last = binStart[cell + 1];
                        for (var k = binStart[cell]; k < last; k++)
                        {
                            var j = Unsafe.Add(ref atoms0, k);
                            if (j == i ? !selfAllowed : ownBinRule && j < i)
                            {
                                continue;
                            }
                            // Same rounding as a LAMMPS ghost atom: the image position first, then the difference.
                            var dx = xi - (Unsafe.Add(ref sorted0, 3 * k) + shiftX);
                            var dy = yi - (Unsafe.Add(ref sorted0, 3 * k + 1) + shiftY);
                            var dz = zi - (Unsafe.Add(ref sorted0, 3 * k + 2) + shiftZ);
                            if (dx * dx + dy * dy + dz * dz <= cutoffSquared)
                            {
                                if (used == buffer.Length)
                                {
                                    Array.Resize(ref buffer, buffer.Length * 2);
                                }
                                buffer[used++] = (j << 6) | code;
                            }
                        }
                    }
                }
            }
            counts[i - start] = used - first;
        }
        return new ChunkResult(counts, buffer, used);
    }

    private static (int Bin, int Shift) Wrap(int unwrapped, int count) =>
        unwrapped < 0 ? (unwrapped + count, -1) : unwrapped >= count ? (unwrapped - count, 1) : (unwrapped, 0);

    private readonly record struct ChunkResult(int[] Counts, int[] Entries, int Length);

    private readonly struct BinGrid(OrthogonalBox box, int x, int y, int z)
    {
        private readonly double _xLo = box.XLo;
        private readonly double _yLo = box.YLo;
        private readonly double _zLo = box.ZLo;
        private readonly double _inverseX = x / box.LengthX;
        private readonly double _inverseY = y / box.LengthY;
        private readonly double _inverseZ = z / box.LengthZ;

        public int X { get; } = x;

        public int Y { get; } = y;

        public int Z { get; } = z;

        public int Count => X * Y * Z;

        public double LengthX { get; } = box.LengthX;

        public double LengthY { get; } = box.LengthY;

        public double LengthZ { get; } = box.LengthZ;

        public int BinOf(double px, double py, double pz)
        {
            var bx = Math.Clamp((int)((px - _xLo) * _inverseX), 0, X - 1);
            var by = Math.Clamp((int)((py - _yLo) * _inverseY), 0, Y - 1);
            var bz = Math.Clamp((int)((pz - _zLo) * _inverseZ), 0, Z - 1);
            return (bz * Y + by) * X + bx;
        }

        public (int X, int Y, int Z) Coordinates(int bin) => (bin % X, bin / X % Y, bin / (X * Y));
    }
}
