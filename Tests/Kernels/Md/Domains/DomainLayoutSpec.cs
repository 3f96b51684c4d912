using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Kernels.Numerics;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>Ownership, neighbours and ring balancing of a domain layout.</summary>
public sealed class DomainLayoutSpec
{
    private static readonly OrthogonalBox s_box = new(-1.0, 9.0, 0.0, 12.0, 2.0, 8.0);

    [Theory]
    [InlineData("1x1x1")]
    [InlineData("2x2x2")]
    [InlineData("4x1x3")]
    [InlineData("1x3x2")]
    public void Every_position_has_exactly_one_owner_before_and_after_cuts_move(string grid)
    {
        var even = new DomainLayout(s_box, DomainGrid.Parse(grid));
        var layouts = new List<DomainLayout> { even };
        if (even.RingLength > 1)
        {
            // Move the first ring's upper cut of its last domain below the box (the ring wraps through the boundary),
            // and another cut of every ring towards its neighbour.
            var length = s_box.Length(even.RingAxis);
            var moves = new List<(int, int, double)>();
            for (var r = 0; r < even.RingCount; r++)
            {
                var (lower, width) = even.RingExtent(even.DomainAt(r, 0));
                moves.Add((r, 0, lower + width * 0.7));
                var (lastLower, lastWidth) = even.RingExtent(even.DomainAt(r, even.RingLength - 1));
                moves.Add((r, even.RingLength - 1, lastLower + lastWidth + 0.2 * (r % 2 == 0 ? 1 : -1) * length / even.RingLength));
            }
            layouts.Add(even.WithCuts(moves));
        }
        var random = new Random(5);
        foreach (var layout in layouts)
        {
            for (var n = 0; n < 5000; n++)
            {
                var x = s_box.XLo + random.NextDouble() * s_box.LengthX;
                var y = s_box.YLo + random.NextDouble() * s_box.LengthY;
                var z = s_box.ZLo + random.NextDouble() * s_box.LengthZ;
                var owner = layout.OwnerOf(x, y, z);
                // The owner's region contains the point; no other region does (a zero cutoff halo is the region).
                var containing = Enumerable.Range(0, layout.Count).Where(d => layout.NearRegion(d, x, y, z, 0.0)).ToArray();
                Assert.Equal([owner], containing);
            }
            // Neighbour relation is symmetric.
            for (var a = 0; a < layout.Count; a++)
            {
                foreach (var b in layout.Neighbors(a, 1.3))
                {
                    Assert.Contains(a, layout.Neighbors(b, 1.3));
                }
            }
            var roundTrip = DomainLayout.FromCuts(s_box, layout.Grid, layout.RingAxis, layout.ToCutArray());
            Assert.Equal(layout.ToCutArray(), roundTrip.ToCutArray());
        }
    }

    [Fact]
    public void A_single_domain_is_its_own_periodic_neighbour_and_two_slabs_neighbour_each_other()
    {
        var one = new DomainLayout(s_box, new DomainGrid(1, 1, 1));
        Assert.Equal([0], one.Neighbors(0, 1.0));
        var two = new DomainLayout(s_box, new DomainGrid(2, 1, 1));
        Assert.Equal([0, 1], two.Neighbors(0, 1.0));
        // Far apart along a 6-wide ring of 1.67-wide slabs: 0 and 3 are not neighbours at cutoff 1.
        var six = new DomainLayout(s_box, new DomainGrid(6, 1, 1));
        Assert.Equal([0, 1, 5], six.Neighbors(0, 1.0));
    }

    [Fact]
    public void Ring_balancing_moves_a_boundary_towards_the_expensive_side_and_evens_a_slab_in_a_few_rounds()
    {
        // A dense slab of 400 atoms in [1, 3) of a ring [0, 8) split into two domains at 4: domain 0 does all the
        // work. With cost proportional to atoms, repeated rounds must bring both domains' atom counts together.
        var atoms = Enumerable.Range(0, 400).Select(i => 1.0 + 2.0 * i / 400).ToArray();
        var (lower0, boundary, upper) = (0.0, 4.0, 8.0);
        for (var round = 0; round < 12; round++)
        {
            var mine = atoms.Where(a => a >= lower0 && a < boundary).Select(a => a - lower0).ToArray();
            var theirs = atoms.Where(a => a >= boundary && a < upper).Select(a => a - boundary).ToArray();
            var moved = RingBalancer.NewBoundary(lower0, boundary - lower0, mine.Length, RingBalancer.Histogram(mine, boundary - lower0),
                upper - boundary, theirs.Length, RingBalancer.Histogram(theirs, upper - boundary));
            if (round == 0)
            {
                Assert.True(moved < boundary, "the expensive lower domain must shrink");
                Assert.True(moved >= boundary - (boundary - lower0) / 3, "a move is at most a third of a width");
            }
            boundary = moved;
        }
        var left = atoms.Count(a => a < boundary);
        Assert.InRange(left, 190, 210);
        Assert.Equal(1.5, RingBalancer.Imbalance([3.0, 1.0]), 15);
    }

    [Fact]
    public void Exact_sums_do_not_depend_on_grouping_or_order()
    {
        var random = new Random(3);
        var terms = Enumerable.Range(0, 1000).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 8))).ToArray();
        var whole = new ExactSum();
        foreach (var t in terms)
        {
            whole.Add(t);
        }
        var parts = new ExactSum[7];
        foreach (var (t, i) in terms.Select((t, i) => (t, i)).OrderBy(_ => random.Next()))
        {
            parts[i % 7].Add(t);
        }
        var combined = new ExactSum();
        foreach (var p in parts.Reverse())
        {
            combined.Add(p);
        }
        Assert.Equal(whole.Bits, combined.Bits);
        Assert.Equal(terms.Sum(), whole.Value, 1e-6);
        var (high, low) = whole.Bits;
        Assert.Equal(whole.Value, ExactSum.FromBits(high, low).Value);
    }
}
