using System.Globalization;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>How a periodic box is split into px x py x pz spatial domains, with movable boundaries along one
/// axis, the ring axis, for load balancing.</summary>
/// <remarks>
/// <para>Domain index k = ix + px (iy + py iz). Along the two axes other than the ring axis the domains are
/// slabs between fixed planes lo + i L / n. Along the ring axis, each row of domains that share the other two
/// grid coordinates forms a ring (the last is followed by the first through the periodic boundary), and each
/// ring has its own cuts c_0 &lt; c_1 &lt; ... &lt; c_{n-1} &lt; c_0 + L: domain i of the ring spans [c_i, c_{i+1})
/// modulo L. Moving a cut moves load between two ring neighbours only (DPLR's ring balancing,
/// arXiv 2504.15508); the rings are independent, so the decomposition becomes staggered as it balances.</para>
/// <para>Ownership uses comparisons with the planes and cuts only (no division), so every node that holds the
/// same layout assigns every position to exactly one domain, the same one.</para>
/// </remarks>
public sealed class DomainLayout
{
    private readonly double[][] _planes = new double[3][];
    private readonly double[][] _cuts;

    /// <summary>An evenly divided layout of <paramref name="box"/>.</summary>
    /// <param name="box">The periodic box.</param>
    /// <param name="grid">Domains along x, y and z.</param>
    /// <param name="ringAxis">Axis along which boundaries may move (0, 1, 2); null picks the axis with the most
    /// domains (x on a tie).</param>
    public DomainLayout(OrthogonalBox box, DomainGrid grid, int? ringAxis = null)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(grid);
        Box = box;
        Grid = grid;
        RingAxis = ringAxis ?? grid.LongestAxis;
        ArgumentOutOfRangeException.ThrowIfNegative(RingAxis, nameof(ringAxis));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RingAxis, 2, nameof(ringAxis));
        for (var axis = 0; axis < 3; axis++)
        {
            _planes[axis] = EvenPlanes(box.Lo(axis), box.Hi(axis), grid[axis]);
        }
        var rings = Count / RingLength;
        _cuts = new double[rings][];
        for (var r = 0; r < rings; r++)
        {
            _cuts[r] = _planes[RingAxis][..RingLength];
        }
    }

    private DomainLayout(DomainLayout other)
    {
        Box = other.Box;
        Grid = other.Grid;
        RingAxis = other.RingAxis;
        for (var axis = 0; axis < 3; axis++)
        {
            _planes[axis] = other._planes[axis];
        }
        _cuts = other._cuts.Select(c => (double[])c.Clone()).ToArray();
    }

    /// <summary>The periodic box.</summary>
    public OrthogonalBox Box { get; }

    /// <summary>Domains per axis.</summary>
    public DomainGrid Grid { get; }

    /// <summary>The axis along which boundaries move.</summary>
    public int RingAxis { get; }

    /// <summary>Number of domains.</summary>
    public int Count => Grid.Count;

    /// <summary>Domains per ring (the grid size along the ring axis).</summary>
    public int RingLength => Grid[RingAxis];

    /// <summary>Number of rings.</summary>
    public int RingCount => _cuts.Length;

    /// <summary>The ring holding <paramref name="domain"/> and its position in it.</summary>
    public (int Ring, int Position) RingOf(int domain)
    {
        var c = Grid.Coordinates(domain);
        var (a, b) = OtherAxes;
        return (c[a] + Grid[a] * c[b], c[RingAxis]);
    }

    /// <summary>The domain at <paramref name="position"/> (taken modulo the ring length) of ring <paramref name="ring"/>.</summary>
    public int DomainAt(int ring, int position)
    {
        var (a, b) = OtherAxes;
        var c = new int[3];
        c[a] = ring % Grid[a];
        c[b] = ring / Grid[a];
        c[RingAxis] = ((position % RingLength) + RingLength) % RingLength;
        return Grid.Index(c[0], c[1], c[2]);
    }

    /// <summary>The cuts of ring <paramref name="ring"/> (lower boundary of each of its domains along the ring axis).</summary>
    public IReadOnlyList<double> Cuts(int ring) => _cuts[ring];

    /// <summary>The lower boundary of <paramref name="domain"/> along the ring axis and its width.</summary>
    public (double Lower, double Width) RingExtent(int domain)
    {
        var (ring, position) = RingOf(domain);
        var cuts = _cuts[ring];
        var lower = cuts[position];
        var upper = position + 1 < cuts.Length ? cuts[position + 1] : cuts[0] + Box.Length(RingAxis);
        return (lower, upper - lower);
    }

    /// <summary>A copy with the cut between ring positions <paramref name="position"/> and
    /// <paramref name="position"/>+1 of ring <paramref name="ring"/> at <paramref name="value"/>.</summary>
    public DomainLayout WithCut(int ring, int position, double value) => WithCuts([(ring, position, value)]);

    /// <summary>A copy with several upper cuts moved: (ring, position whose upper boundary moves, new value).</summary>
    /// <exception cref="ArgumentException">The cuts would not stay in increasing order within one box length.</exception>
    public DomainLayout WithCuts(IEnumerable<(int Ring, int Position, double Value)> moves)
    {
        ArgumentNullException.ThrowIfNull(moves);
        var copy = new DomainLayout(this);
        var length = Box.Length(RingAxis);
        foreach (var (ring, position, value) in moves)
        {
            var upper = (position + 1) % RingLength;
            var cuts = copy._cuts[ring];
            // The upper cut of the last domain is c_0 + L: store it back as c_0.
            cuts[upper] = upper == 0 ? value - length : value;
        }
        foreach (var cuts in copy._cuts)
        {
            for (var i = 0; i < cuts.Length; i++)
            {
                var next = i + 1 < cuts.Length ? cuts[i + 1] : cuts[0] + length;
                if (!(next > cuts[i]) || !double.IsFinite(cuts[i]))
                {
                    throw new ArgumentException(
                        $"domain cuts out of order: {string.Join(", ", cuts.Select(c => c.ToString("G6", CultureInfo.InvariantCulture)))}",
                        nameof(moves));
                }
            }
        }
        return copy;
    }

    /// <summary>The domain that owns a position inside the box (wrapped).</summary>
    public int OwnerOf(double x, double y, double z)
    {
        Span<double> p = [x, y, z];
        var c = new int[3];
        var (a, b) = OtherAxes;
        c[a] = Slab(_planes[a], p[a]);
        c[b] = Slab(_planes[b], p[b]);
        var cuts = _cuts[c[a] + Grid[a] * c[b]];
        // Bring the coordinate into [c_0, c_0 + L) by at most one box length, then find the last cut below it.
        var u = p[RingAxis];
        var length = Box.Length(RingAxis);
        while (u < cuts[0])
        {
            u += length;
        }
        while (u >= cuts[0] + length)
        {
            u -= length;
        }
        var position = 0;
        while (position + 1 < cuts.Length && cuts[position + 1] <= u)
        {
            position++;
        }
        c[RingAxis] = position;
        return Grid.Index(c[0], c[1], c[2]);
    }

    /// <summary>True when a point (unwrapped: a wrapped atom position plus a periodic shift) lies within
    /// <paramref name="cutoff"/> of the part of <paramref name="domain"/>'s region inside the box, where the
    /// domain's owned atoms are.</summary>
    public bool NearRegion(int domain, double x, double y, double z, double cutoff)
    {
        Span<double> p = [x, y, z];
        Span<double> pieces = stackalloc double[4];
        for (var axis = 0; axis < 3; axis++)
        {
            var count = Pieces(domain, axis, pieces);
            var near = false;
            for (var k = 0; k < count && !near; k++)
            {
                near = p[axis] >= pieces[2 * k] - cutoff && p[axis] < pieces[2 * k + 1] + cutoff;
            }
            if (!near)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The domains whose regions come within <paramref name="cutoff"/> of <paramref name="domain"/>'s,
    /// through the periodic boundaries too, in increasing order: those it exchanges ghosts and atoms with. The
    /// domain itself is included only when it is within the cutoff of one of its own periodic images. The
    /// relation is symmetric.</summary>
    public int[] Neighbors(int domain, double cutoff)
    {
        var result = new List<int>();
        Span<double> mine = stackalloc double[4];
        Span<double> theirs = stackalloc double[4];
        for (var other = 0; other < Count; other++)
        {
            var near = true;
            var throughImage = false;
            for (var axis = 0; axis < 3 && near; axis++)
            {
                var n1 = Pieces(domain, axis, mine);
                var n2 = Pieces(other, axis, theirs);
                var length = Box.Length(axis);
                var any = false;
                for (var m = -1; m <= 1; m++)
                {
                    for (var a = 0; a < n1; a++)
                    {
                        for (var b = 0; b < n2; b++)
                        {
                            var lo = theirs[2 * b] + m * length - cutoff;
                            var hi = theirs[2 * b + 1] + m * length + cutoff;
                            if (lo < mine[2 * a + 1] && mine[2 * a] < hi)
                            {
                                any = true;
                                throughImage |= m != 0;
                            }
                        }
                    }
                }
                near = any;
            }
            if (near && (other != domain || throughImage))
            {
                result.Add(other);
            }
        }
        return result.ToArray();
    }

    /// <summary>The parts of <paramref name="domain"/>'s extent along <paramref name="axis"/> inside the box, as
    /// [lo, hi) pairs written to <paramref name="pieces"/> (room for two); returns how many (1 or 2: a ring
    /// domain that wraps through the periodic boundary has two).</summary>
    public int Pieces(int domain, int axis, Span<double> pieces)
    {
        var (lower, width) = Extent(domain, axis);
        var lo = Box.Lo(axis);
        var hi = Box.Hi(axis);
        var length = Box.Length(axis);
        var count = 0;
        for (var m = -2; m <= 2; m++)
        {
            var a = Math.Max(lower + m * length, lo);
            var b = Math.Min(lower + width + m * length, hi);
            if (b > a)
            {
                pieces[2 * count] = a;
                pieces[2 * count + 1] = b;
                count++;
            }
        }
        return count;
    }

    /// <summary>The lower boundary and width of <paramref name="domain"/> along <paramref name="axis"/> (along
    /// the ring axis the lower boundary may lie below the box, the region wrapping through it).</summary>
    public (double Lower, double Width) Extent(int domain, int axis)
    {
        if (axis == RingAxis)
        {
            return RingExtent(domain);
        }
        var c = Grid.Coordinates(domain)[axis];
        return (_planes[axis][c], _planes[axis][c + 1] - _planes[axis][c]);
    }

    /// <summary>The cuts of every ring, ring by ring, for messages and checkpoints.</summary>
    public double[] ToCutArray() => _cuts.SelectMany(c => c).ToArray();

    /// <summary>A layout of <paramref name="box"/> with the given cuts (from <see cref="ToCutArray"/>).</summary>
    public static DomainLayout FromCuts(OrthogonalBox box, DomainGrid grid, int ringAxis, double[] cuts)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        var layout = new DomainLayout(box, grid, ringAxis);
        if (cuts.Length != layout.Count)
        {
            throw new ArgumentException($"{cuts.Length} cuts for {layout.Count} domains", nameof(cuts));
        }
        var copy = new DomainLayout(layout);
        for (var r = 0; r < layout.RingCount; r++)
        {
            Array.Copy(cuts, r * layout.RingLength, copy._cuts[r], 0, layout.RingLength);
        }
        // Validates the order.
        return copy.WithCuts([]);
    }

    private (int A, int B) OtherAxes => RingAxis switch { 0 => (1, 2), 1 => (0, 2), _ => (0, 1) };

    private static double[] EvenPlanes(double lo, double hi, int n)
    {
        var planes = new double[n + 1];
        for (var i = 0; i <= n; i++)
        {
            planes[i] = i == n ? hi : lo + (hi - lo) * i / n;
        }
        return planes;
    }

    private static int Slab(double[] planes, double value)
    {
        var i = 0;
        while (i + 2 < planes.Length && planes[i + 1] <= value)
        {
            i++;
        }
        return i;
    }
}
