using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The full neighbour list of one spatial domain: for each owned atom, every other local atom (owned or
/// ghost) closer than the list cutoff, sorted by the caller's canonical key, so that a pair loop summing each row in
/// order gives the same bits whatever the decomposition, storage order or thread count.</summary>
/// <remarks>
/// <para>Local atoms are given as the domain holds them: positions interleaved xyz, the first <c>owned</c> of them
/// owned, the rest ghosts whose positions already carry their periodic image shift (x + s L), as LAMMPS' ghost atoms
/// do. Nothing is wrapped: the list is over the bounding box of the local atoms, not a periodic box.</para>
/// <para>A pair (i, j), i owned and j != i local, is in row i iff dx^2 + dy^2 + dz^2 &lt; listCutoff^2 with
/// dx = x_i - x_j evaluated in that order, the same expression the pair loops evaluate, so membership is a function
/// of the two positions alone. Row i lists local indices sorted by ascending key; keys must be unique among the local
/// atoms (e.g. globalId * 27 + image-shift index).</para>
/// <para>Construction: a cell list over the local atoms' bounding box with cells of about a third of the list
/// cutoff and the stencil of cells whose nearest points lie within the cutoff, visited as runs of cells along x;
/// each row is then sorted by key rank. Owned atoms are split into contiguous ranges over <see cref="Threads"/>;
/// every array is kept and reused by the next <see cref="Build"/>.</para>
/// </remarks>
public sealed class DomainNeighborList
{
    private const double CellsPerCutoff = 3.0;

    private readonly ParallelOptions _parallel;
    private readonly RowBuffer[] _rows;
    private int[] _offsets = [0];
    private int[] _neighbors = [];
    private long[] _sortedKeys = [];
    private int[] _localOfRank = [];
    private int[] _slotOfLocal = [];
    private int[] _cellOfLocal = [];
    private int[] _cellStart = [];
    private BinnedAtom[] _binned = [];
    private int[] _stencil = [];
    private int _stencilLength;

    /// <summary>An empty list that builds with <paramref name="threads"/> threads.</summary>
    /// <param name="threads">Threads of <see cref="Build"/>; 0 for all processors.</param>
    public DomainNeighborList(int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        _rows = Enumerable.Range(0, Threads).Select(_ => new RowBuffer()).ToArray();
    }

    /// <summary>Threads a build uses.</summary>
    public int Threads { get; }

    /// <summary>Local atoms (owned and ghosts) of the last build.</summary>
    public int LocalCount { get; private set; }

    /// <summary>Owned atoms of the last build: the rows of the list.</summary>
    public int OwnedCount { get; private set; }

    /// <summary>List cutoff of the last build, distance units (interaction cutoff plus skin).</summary>
    public double ListCutoff { get; private set; }

    /// <summary>Neighbour entries in all rows.</summary>
    public int EntryCount => _offsets[OwnedCount];

    /// <summary>Entries in the longest row.</summary>
    public int LongestRow { get; private set; }

    /// <summary>Builds so far; changes whenever the rows do, so that device copies know when to upload again.</summary>
    public int Version { get; private set; }

    /// <summary>Row starts, <see cref="OwnedCount"/> + 1 of them: row i is <c>Neighbors[Offsets[i]..Offsets[i + 1]]</c>.</summary>
    public ReadOnlySpan<int> Offsets => _offsets.AsSpan(0, OwnedCount + 1);

    /// <summary>Local indices of the neighbours, row after row, each row in ascending key order.</summary>
    public ReadOnlySpan<int> Neighbors => _neighbors.AsSpan(0, EntryCount);

    // The arrays behind Offsets and Neighbors, for pair loops that index without bounds checks; every entry is a
    // local index below LocalCount, and LongestRow zeros follow the last row.
    internal int[] OffsetArray => _offsets;

    internal int[] NeighborArray => _neighbors;

    /// <summary>Rebuilds the list for new local atoms.</summary>
    /// <param name="positions">Local positions, interleaved xyz, at least 3 * <paramref name="count"/>; ghosts carry
    /// their image shift.</param>
    /// <param name="count">Local atoms, owned first.</param>
    /// <param name="owned">Owned atoms: local indices 0 to owned - 1.</param>
    /// <param name="keys">Canonical key of each local atom, unique, at least <paramref name="count"/>.</param>
    /// <param name="listCutoff">Interaction cutoff plus skin, distance units.</param>
    /// <exception cref="ArgumentException">Sizes disagree, a position is not finite or two keys are equal.</exception>
    public void Build(ReadOnlySpan<double> positions, int count, int owned, ReadOnlySpan<long> keys, double listCutoff)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(owned);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(owned, count);
        if (!(listCutoff > 0) || !double.IsFinite(listCutoff))
        {
            throw new ArgumentOutOfRangeException(nameof(listCutoff), listCutoff, "the list cutoff must be positive and finite");
        }
        if (positions.Length < 3 * count)
        {
            throw new ArgumentException($"{count} local atoms need {3 * count} coordinates, got {positions.Length}", nameof(positions));
        }
        if (keys.Length < count)
        {
            throw new ArgumentException($"{count} local atoms need {count} keys, got {keys.Length}", nameof(keys));
        }
        // Room for each thread's rows from the last build's entries per atom, so that rows rarely grow while filled.
        var perAtom = OwnedCount > 0 ? (double)EntryCount / OwnedCount : 64.0;
        EnsureCapacity(count, owned);
        RankByKey(keys, count);
        var grid = Grid.Of(positions, count, listCutoff, CellsPerCutoff);
        BinAtoms(positions, count, grid);
        BuildStencil(grid, listCutoff);

        var input = new RowInput(listCutoff * listCutoff, _stencilLength, MostCandidates(grid, count), perAtom * 1.125 + 16);
        var threads = Math.Max(1, Math.Min(Threads, owned / 256));
        if (threads == 1)
        {
            FillRows(input, 0, owned, _rows[0]);
        }
        else
        {
            Parallel.For(0, threads, _parallel, t =>
                FillRows(input, (int)((long)owned * t / threads), (int)((long)owned * (t + 1) / threads), _rows[t]));
        }
        // Each thread wrote its rows' lengths into _offsets[i + 1]; prefix-sum them, then copy the rows in place.
        var longest = 0;
        for (var i = 0; i < owned; i++)
        {
            longest = Math.Max(longest, _offsets[i + 1]);
            _offsets[i + 1] += _offsets[i];
        }
        var entries = _offsets[owned];
        // Zeros after the last row, as many as the longest row: loops that walk several rows in step may read past
        // a row's end (and mask what they read) without leaving the array.
        if (_neighbors.Length < entries + longest)
        {
            _neighbors = new int[entries + entries / 8 + longest];
        }
        _neighbors.AsSpan(entries, longest).Clear();
        for (var t = 0; t < threads; t++)
        {
            var start = (int)((long)owned * t / threads);
            _rows[t].Entries.AsSpan(0, _rows[t].Count).CopyTo(_neighbors.AsSpan(_offsets[start]));
        }
        LongestRow = longest;
        LocalCount = count;
        OwnedCount = owned;
        ListCutoff = listCutoff;
        Version++;
    }

    /// <summary>Splits the owned atoms into <paramref name="parts"/> contiguous ranges of about equal numbers of list
    /// entries: part t is atoms <c>bounds[t]</c> to <c>bounds[t + 1] - 1</c>.</summary>
    public int[] BalancedRanges(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var bounds = new int[parts + 1];
        var entries = EntryCount;
        for (var t = 1; t < parts; t++)
        {
            // First atom whose row starts at or after the t-th share of all entries (binary search).
            var target = (int)((long)entries * t / parts);
            int lo = 0, hi = OwnedCount;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_offsets[mid] < target)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            bounds[t] = lo;
        }
        bounds[parts] = OwnedCount;
        return bounds;
    }

    private void EnsureCapacity(int count, int owned)
    {
        if (_sortedKeys.Length < count)
        {
            var capacity = count + count / 8;
            _sortedKeys = new long[capacity];
            _localOfRank = new int[capacity];
            _slotOfLocal = new int[capacity];
            _cellOfLocal = new int[capacity];
            _binned = new BinnedAtom[capacity];
        }
        if (_offsets.Length < owned + 1)
        {
            _offsets = new int[owned + 1 + owned / 8];
        }
        _offsets[0] = 0;
    }

    // Rank of each local atom in key order: rows hold ranks while they are sorted (ints sort faster than longs and
    // need no second array), then map back to local indices.
    private void RankByKey(ReadOnlySpan<long> keys, int count)
    {
        var sorted = _sortedKeys.AsSpan(0, count);
        keys[..count].CopyTo(sorted);
        var order = _localOfRank.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }
        sorted.Sort(order);
        for (var r = 1; r < count; r++)
        {
            if (sorted[r] == sorted[r - 1])
            {
                throw new ArgumentException($"local atoms {order[r - 1]} and {order[r]} have the same key {sorted[r]}", nameof(keys));
            }
        }
    }

    // Counting sort of the local atoms into cells (in key order within each cell), with positions and ranks copied
    // next to each other so that a cell's candidates are one contiguous read.
    private void BinAtoms(ReadOnlySpan<double> positions, int count, in Grid grid)
    {
        var cells = grid.CellCount;
        if (_cellStart.Length < cells + 1)
        {
            _cellStart = new int[cells + 1 + cells / 8];
        }
        var start = _cellStart.AsSpan(0, cells + 1);
        start.Clear();
        for (var i = 0; i < count; i++)
        {
            var cell = grid.CellOf(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]);
            _cellOfLocal[i] = cell;
            start[cell + 1]++;
        }
        for (var c = 0; c < cells; c++)
        {
            start[c + 1] += start[c];
        }
        // Place in key order; start[c] advances past each atom placed and ends at the next cell's start, so shift back.
        for (var r = 0; r < count; r++)
        {
            var i = _localOfRank[r];
            var slot = start[_cellOfLocal[i]]++;
            _slotOfLocal[i] = slot;
            _binned[slot] = new BinnedAtom(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2], r);
        }
        for (var c = cells; c > 0; c--)
        {
            start[c] = start[c - 1];
        }
        start[0] = 0;
    }

    // The stencil as runs of cells along x: for each (dy, dz), the cells dx = -m..m whose nearest points lie within
    // the cutoff, which are contiguous in the cell array and so are their atoms (one read per run, not per cell). The
    // grid is padded by the stencil reach on every side, so no run leaves it. The 1e-9 relative margin covers
    // rounding in the cell assignment: it adds cells, never drops a pair, since membership is decided by the
    // distance test alone.
    private void BuildStencil(in Grid grid, double listCutoff)
    {
        var reach = listCutoff * (1 + 1e-9);
        var length = 2 * (2 * grid.ReachY + 1) * (2 * grid.ReachZ + 1);
        if (_stencil.Length < length)
        {
            _stencil = new int[length];
        }
        var n = 0;
        for (var dz = -grid.ReachZ; dz <= grid.ReachZ; dz++)
        {
            for (var dy = -grid.ReachY; dy <= grid.ReachY; dy++)
            {
                var gy = Math.Max(Math.Abs(dy) - 1, 0) * grid.WidthY;
                var gz = Math.Max(Math.Abs(dz) - 1, 0) * grid.WidthZ;
                var m = -1;
                for (var dx = 0; dx <= grid.ReachX; dx++)
                {
                    var gx = Math.Max(dx - 1, 0) * grid.WidthX;
                    if (gx * gx + gy * gy + gz * gz < reach * reach)
                    {
                        m = dx;
                    }
                }
                if (m >= 0)
                {
                    var row = (dz * grid.PaddedY + dy) * grid.PaddedX;
                    _stencil[n++] = row - m;
                    _stencil[n++] = row + m + 1;
                }
            }
        }
        _stencilLength = n;
    }

    // An upper bound on the candidates of one atom: runs in the stencil times the most atoms in any run, and never
    // more than all local atoms (the runs are disjoint).
    private int MostCandidates(in Grid grid, int count)
    {
        var mostInCell = 0;
        for (var c = 0; c < grid.CellCount; c++)
        {
            mostInCell = Math.Max(mostInCell, _cellStart[c + 1] - _cellStart[c]);
        }
        var widestRun = 0;
        for (var s = 0; s < _stencilLength; s += 2)
        {
            widestRun = Math.Max(widestRun, _stencil[s + 1] - _stencil[s]);
        }
        return (int)Math.Min(count + 1L, (long)_stencilLength / 2 * widestRun * mostInCell + 1);
    }

    // Fully optimised from the first call: a build runs a few times per run, too few for tiered compilation to
    // replace the on-stack-replacement code of its long loops.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillRows(in RowInput input, int start, int end, RowBuffer rows)
    {
        rows.Count = 0;
        rows.EnsureRoom((int)Math.Min(int.MaxValue / 2, input.EntriesPerAtom * (end - start)));
        // Unchecked indexing: every cell index in _cellOfLocal plus a stencil offset lies within the padded grid,
        // and every slot in _cellStart is below the local count.
        ref var binned0 = ref MemoryMarshal.GetArrayDataReference(_binned);
        ref var cellStart0 = ref MemoryMarshal.GetArrayDataReference(_cellStart);
        ref var stencil0 = ref MemoryMarshal.GetArrayDataReference(_stencil);
        var cutsq = input.CutoffSquared;
        for (var i = start; i < end; i++)
        {
            ref var self = ref Unsafe.Add(ref binned0, _slotOfLocal[i]);
            var cell = _cellOfLocal[i];
            var rowStart = rows.Count;
            // Room for every candidate: at most the stencil's runs times the fullest run.
            rows.EnsureRoom(rowStart + input.MostCandidates);
            ref var out0 = ref MemoryMarshal.GetArrayDataReference(rows.Entries);
            var n = Candidates(ref out0, rowStart, ref binned0, ref cellStart0, ref stencil0, input.StencilLength, cell,
                self.X, self.Y, self.Z, self.Rank, cutsq);
            rows.Count = n;
            var row = rows.Entries.AsSpan(rowStart, rows.Count - rowStart);
            SortRanks(row);
            for (var k = 0; k < row.Length; k++)
            {
                row[k] = _localOfRank[row[k]];
            }
            _offsets[i + 1] = row.Length;
        }
    }

    // Appends to out0 from index n the rank of every atom of the stencil around cell closer than the cutoff to
    // (xi, yi, zi), other than rank itself; returns the new end. A method of its own so that its loop keeps every
    // value in a register.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Candidates(
        ref int out0, int n, ref BinnedAtom binned0, ref int cellStart0, ref int stencil0, int stencilLength, int cell,
        double xi, double yi, double zi, int rank, double cutsq)
    {
        for (var s = 0; s < stencilLength; s += 2)
        {
            var first = Unsafe.Add(ref cellStart0, cell + Unsafe.Add(ref stencil0, s));
            var last = Unsafe.Add(ref cellStart0, cell + Unsafe.Add(ref stencil0, s + 1));
            for (var m = first; m < last; m++)
            {
                ref var a = ref Unsafe.Add(ref binned0, m);
                // The pair loops' expression for r^2: dx = x_i - x_j, then dx dx + dy dy + dz dz.
                var dx = xi - a.X;
                var dy = yi - a.Y;
                var dz = zi - a.Z;
                var rsq = dx * dx + dy * dy + dz * dz;
                // Branch-free append: about a quarter of the candidates are kept, too unpredictable to branch on.
                Unsafe.Add(ref out0, n) = a.Rank;
                n += (rsq < cutsq ? 1 : 0) & (a.Rank != rank ? 1 : 0);
            }
        }
        return n;
    }

    // Sorts one row of ranks: a counting pass into buckets by value (ranks spread over [min, max] scaled to 128
    // buckets), then insertion sort, which finds the row nearly sorted. Branch-light, and as fast for keys in
    // random order as for keys that follow the atoms' positions; short rows go straight to insertion sort.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SortRanks(Span<int> row)
    {
        const int buckets = 128;
        var n = row.Length;
        if (n > 32)
        {
            int min = row[0], max = row[0];
            for (var k = 1; k < n; k++)
            {
                min = Math.Min(min, row[k]);
                max = Math.Max(max, row[k]);
            }
            Span<int> start = stackalloc int[buckets + 1];
            Span<int> copy = n <= 1024 ? stackalloc int[n] : new int[n];
            row.CopyTo(copy);
            // Bucket of v: (v - min) * buckets / (max - min + 1), by a 32.32 fixed-point multiply.
            var scale = ((ulong)buckets << 32) / ((ulong)(max - min) + 1);
            for (var k = 0; k < n; k++)
            {
                start[(int)(((ulong)(copy[k] - min) * scale) >> 32) + 1]++;
            }
            for (var b = 0; b < buckets; b++)
            {
                start[b + 1] += start[b];
            }
            for (var k = 0; k < n; k++)
            {
                var v = copy[k];
                row[start[(int)(((ulong)(v - min) * scale) >> 32)]++] = v;
            }
        }
        for (var k = 1; k < n; k++)
        {
            var v = row[k];
            var m = k - 1;
            while (m >= 0 && row[m] > v)
            {
                row[m + 1] = row[m];
                m--;
            }
            row[m + 1] = v;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct BinnedAtom(double X, double Y, double Z, int Rank);

    private readonly record struct RowInput(double CutoffSquared, int StencilLength, int MostCandidates, double EntriesPerAtom);

    // One thread's rows, back to back, before they are copied into the shared array.
    private sealed class RowBuffer
    {
        public int[] Entries { get; private set; } = new int[1024];

        public int Count { get; set; }

        public void EnsureRoom(int needed)
        {
            if (Entries.Length < needed)
            {
                var grown = new int[Math.Max(needed, 2 * Entries.Length)];
                Entries.AsSpan(0, Count).CopyTo(grown);
                Entries = grown;
            }
        }
    }

    // The cell grid over the local atoms' bounding box, padded by the stencil reach on each side.
    private readonly record struct Grid(
        double LoX, double LoY, double LoZ,
        double InverseX, double InverseY, double InverseZ,
        double WidthX, double WidthY, double WidthZ,
        int CellsX, int CellsY, int CellsZ,
        int ReachX, int ReachY, int ReachZ)
    {
        public int PaddedX => CellsX + 2 * ReachX;

        public int PaddedY => CellsY + 2 * ReachY;

        public int PaddedZ => CellsZ + 2 * ReachZ;

        public int CellCount => PaddedX * PaddedY * PaddedZ;

        public static Grid Of(ReadOnlySpan<double> positions, int count, double listCutoff, double cellsPerCutoff)
        {
            Span<double> lo = [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity];
            Span<double> hi = [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity];
            for (var i = 0; i < count; i++)
            {
                for (var a = 0; a < 3; a++)
                {
                    var x = positions[3 * i + a];
                    if (!double.IsFinite(x))
                    {
                        throw new ArgumentException($"local atom {i} has a non-finite coordinate {x}", nameof(positions));
                    }
                    lo[a] = Math.Min(lo[a], x);
                    hi[a] = Math.Max(hi[a], x);
                }
            }
            if (count == 0)
            {
                lo.Clear();
                hi.Clear();
            }
            // Cells of at least cutoff / cellsPerCutoff; coarser when that would make many more cells than atoms (a
            // sparse domain), since empty cells cost a visit each.
            var size = listCutoff / cellsPerCutoff;
            Span<int> cells = stackalloc int[3];
            var limit = 2L * count + 64;
            while (true)
            {
                long total = 1;
                for (var a = 0; a < 3; a++)
                {
                    cells[a] = (int)Math.Clamp(Math.Floor((hi[a] - lo[a]) / size), 1, 1 << 20);
                    total *= cells[a];
                }
                if (total <= limit)
                {
                    break;
                }
                size *= Math.Cbrt((double)total / limit) * 1.01;
            }
            Span<double> width = stackalloc double[3];
            Span<double> inverse = stackalloc double[3];
            Span<int> reach = stackalloc int[3];
            for (var a = 0; a < 3; a++)
            {
                var extent = hi[a] - lo[a];
                width[a] = extent > 0 ? extent / cells[a] : listCutoff;
                inverse[a] = extent > 0 ? cells[a] / extent : 0;
                // Farthest cell offset whose nearest point can lie within the cutoff (plus the stencil's margin).
                var r = 1;
                while (r < cells[a] - 1 && r * width[a] < listCutoff * (1 + 1e-9))
                {
                    r++;
                }
                reach[a] = cells[a] == 1 ? 0 : r;
            }
            return new Grid(lo[0], lo[1], lo[2], inverse[0], inverse[1], inverse[2], width[0], width[1], width[2],
                cells[0], cells[1], cells[2], reach[0], reach[1], reach[2]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int CellOf(double x, double y, double z)
        {
            var cx = Math.Min((int)((x - LoX) * InverseX), CellsX - 1);
            var cy = Math.Min((int)((y - LoY) * InverseY), CellsY - 1);
            var cz = Math.Min((int)((z - LoZ) * InverseZ), CellsZ - 1);
            return ((cz + ReachZ) * PaddedY + cy + ReachY) * PaddedX + cx + ReachX;
        }
    }
}
