using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

public sealed class NeighborListSpec
{
    [Theory]
    [InlineData(2.9, 15, NeighborListKind.Half)] // one bin per edge: a neighbour can be in range in two images
    [InlineData(2.9, 15, NeighborListKind.Full)]
    [InlineData(5.7, 120, NeighborListKind.Half)] // two bins per edge
    [InlineData(5.7, 120, NeighborListKind.Full)]
    [InlineData(9.1, 400, NeighborListKind.Half)] // three bins: the half stencil
    [InlineData(9.1, 400, NeighborListKind.Full)]
    public void Cell_list_holds_exactly_the_pairs_and_images_a_brute_force_search_finds(double edge, int atoms, NeighborListKind kind)
    {
        const double cutoff = 2.8;
        var system = MdTestSystems.Random(atoms, edge, 1, 0.8, seed: atoms);
        var list = new NeighborListBuilder(2).Build(new MdState(system, UnitSystem.Lj), cutoff, kind);

        var found = new List<(int I, int J, int Sx, int Sy, int Sz)>();
        for (var i = 0; i < atoms; i++)
        {
            for (var k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                var e = list.Entries[k];
                found.Add((i, NeighborList.AtomOf(e), NeighborList.ShiftOf(e, 0), NeighborList.ShiftOf(e, 1), NeighborList.ShiftOf(e, 2)));
            }
        }
        // Brute force over every atom and every image shift in {-1, 0, 1}^3.
        var expected = new HashSet<(int, int, int, int, int)>();
        var x = system.Positions;
        for (var i = 0; i < atoms; i++)
        {
            for (var j = 0; j < atoms; j++)
            {
                for (var sx = -1; sx <= 1; sx++)
                {
                    for (var sy = -1; sy <= 1; sy++)
                    {
                        for (var sz = -1; sz <= 1; sz++)
                        {
                            if (i == j && sx == 0 && sy == 0 && sz == 0)
                            {
                                continue;
                            }
                            var dx = x[3 * i] - (x[3 * j] + sx * edge);
                            var dy = x[3 * i + 1] - (x[3 * j + 1] + sy * edge);
                            var dz = x[3 * i + 2] - (x[3 * j + 2] + sz * edge);
                            if (dx * dx + dy * dy + dz * dz <= cutoff * cutoff)
                            {
                                expected.Add((i, j, sx, sy, sz));
                            }
                        }
                    }
                }
            }
        }
        Assert.Equal(found.Count, found.Distinct().Count());
        if (kind == NeighborListKind.Full)
        {
            Assert.True(expected.SetEquals(found));
        }
        else
        {
            // Each pair-image once, from one side: (i, j, s) or its mirror (j, i, -s).
            Assert.Equal(expected.Count, 2 * found.Count);
            Assert.All(found, f => Assert.Contains(f, expected));
            var unordered = found.Select(f => f.I < f.J || (f.I == f.J && (f.Sx, f.Sy, f.Sz).CompareTo((0, 0, 0)) > 0)
                ? f
                : (f.J, f.I, -f.Sx, -f.Sy, -f.Sz));
            Assert.Equal(found.Count, unordered.Distinct().Count());
        }
        if (edge < 3)
        {
            Assert.Contains(found.GroupBy(f => (Math.Min(f.I, f.J), Math.Max(f.I, f.J))), g => g.Count() > (kind == NeighborListKind.Full ? 2 : 1));
        }
    }

    [Fact]
    public void List_does_not_depend_on_the_number_of_threads()
    {
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
        var one = new NeighborListBuilder(1).Build(state, 2.8, NeighborListKind.Half);
        var two = new NeighborListBuilder(2).Build(state, 2.8, NeighborListKind.Half);
        Assert.Equal(one.Offsets, two.Offsets);
        Assert.Equal(one.Entries.Take(one.EntryCount), two.Entries.Take(two.EntryCount));
        // LAMMPS log.lj-500: "Total # of neighbors = 18766" with the same cutoff at the last build; at step 0 the fcc
        // lattice gives 12 + 6 + 24 + 12 + 24 neighbours within 2.8 sigma (shells at a/sqrt2 .. a sqrt(5/2)),
        // 78 per atom, 39 per atom in a half list.
        Assert.Equal(500 * 39, one.EntryCount);
    }

    [Fact]
    public void Rebuilds_follow_neigh_modify_every_delay_and_check()
    {
        var system = MdTestSystems.Random(50, 6.0, 1, 0.9, seed: 2);
        var state = new MdState(system, UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5);
        IForceProvider[] providers = [pair];

        var every3 = new NeighborListManager(providers, new NeighborSettings { Every = 3, Check = false }, UnitSystem.Lj);
        every3.Build(state);
        Assert.Equal([false, false, true, false, false, true], Enumerable.Range(0, 6).Select(_ => every3.Decide(state)));

        var delay4 = new NeighborListManager(providers, new NeighborSettings { Every = 1, Delay = 4, Check = false }, UnitSystem.Lj);
        delay4.Build(state);
        Assert.Equal([false, false, false, true, true], Enumerable.Range(0, 5).Select(_ => delay4.Decide(state)));

        // check yes: only when an atom has moved more than half the skin (0.3 in lj units) since the build.
        var check = new NeighborListManager(providers, NeighborSettings.Default, UnitSystem.Lj);
        check.Build(state);
        Assert.Equal(2.8, check.ListCutoff, 12);
        state.Positions[7] += 0.149;
        Assert.False(check.Decide(state));
        state.Positions[7] += 0.002;
        Assert.True(check.Decide(state));
        check.Build(state);
        Assert.False(check.Decide(state));
        Assert.Equal(2, check.BuildCount);
    }

    [Fact]
    public void Build_wraps_atoms_into_the_box_and_counts_crossings_in_image_flags()
    {
        var system = MdTestSystems.Random(20, 6.0, 1, 0.9, seed: 6);
        system.Positions[0] += 6.0 * 2;
        system.Positions[4] -= 6.0;
        var state = new MdState(system, UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5);
        new NeighborListManager([pair], NeighborSettings.Default, UnitSystem.Lj).Build(state);
        Assert.InRange(system.Positions[0], 0, 6.0);
        Assert.InRange(system.Positions[4], 0, 6.0);
        Assert.Equal(2, system.Images[0]);
        Assert.Equal(-1, system.Images[4]);
    }

    [Fact]
    public void A_box_shorter_than_the_list_cutoff_is_refused_and_bad_entries_are_rejected()
    {
        var system = MdTestSystems.Random(10, 2.5, 1, 0.9, seed: 1);
        var error = Assert.Throws<InvalidOperationException>(
            () => new NeighborListBuilder().Build(new MdState(system, UnitSystem.Lj), 2.8, NeighborListKind.Full));
        Assert.Contains("shorter than the neighbour cutoff", error.Message);

        var box = OrthogonalBox.FromLengths(5, 5, 5);
        Assert.Throws<ArgumentException>(() => new NeighborList(NeighborListKind.Half, 2.8, box, [0, 1], [NeighborList.Encode(1, 0, 0, 0)]));
        Assert.Throws<ArgumentException>(() => new NeighborList(NeighborListKind.Half, 2.8, box, [0, 1, 1], [3]));
        var ok = new NeighborList(NeighborListKind.Half, 2.8, box, [0, 1, 1], [NeighborList.Encode(1, -1, 0, 1)]);
        Assert.Equal(1, NeighborList.AtomOf(ok.Entries[0]));
        Assert.Equal(-1, NeighborList.ShiftOf(ok.Entries[0], 0));
        Assert.Equal(1, NeighborList.ShiftOf(ok.Entries[0], 2));
        Assert.Equal([3, 4, 4, NeighborList.Encode(1, -1, 0, 1)], ok.ToPacked());
    }
}
