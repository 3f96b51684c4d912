using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>The domain list holds exactly the local atoms within the list cutoff of each owned atom, sorted by key,
/// whatever the threads, the grid or earlier builds.</summary>
public sealed class DomainNeighborListSpec
{
    private const double ListCutoff = 2.8;

    [Fact]
    public void Rows_hold_exactly_the_local_atoms_within_the_list_cutoff_in_key_order()
    {
        var state = DomainTestSystems.DisplacedLj500();
        var single = DomainTestSystems.Single(state, ListCutoff);
        var corner = DomainTestSystems.Split(state, 2, 2, 2, ListCutoff)[5];
        Assert.True(single.Count > single.Owned + 500, "the single domain should hold ghosts");
        foreach (var atoms in new[] { single, corner })
        {
            var list = new DomainNeighborList(1);
            list.Build(atoms.Positions, atoms.Count, atoms.Owned, atoms.Keys, ListCutoff);
            AssertMatchesBruteForce(list, atoms.Positions, atoms.Count, atoms.Owned, atoms.Keys, ListCutoff);
            // fcc at 0.8442 with r < 2.8: about 4/3 pi 2.8^3 0.8442 = 78 neighbours per atom.
            Assert.InRange((double)list.EntryCount / list.OwnedCount, 70, 85);
        }
    }

    [Fact]
    public void Threads_do_not_change_the_list()
    {
        var state = DomainTestSystems.DisplacedLj500();
        var atoms = DomainTestSystems.Single(state, ListCutoff);
        var one = new DomainNeighborList(1);
        var two = new DomainNeighborList(2);
        one.Build(atoms.Positions, atoms.Count, atoms.Owned, atoms.Keys, ListCutoff);
        two.Build(atoms.Positions, atoms.Count, atoms.Owned, atoms.Keys, ListCutoff);
        Assert.Equal(one.Offsets.ToArray(), two.Offsets.ToArray());
        Assert.Equal(one.Neighbors.ToArray(), two.Neighbors.ToArray());
    }

    [Theory]
    [InlineData("sparse")]
    [InlineData("flat")]
    [InlineData("clustered")]
    public void Unusual_local_sets_and_rebuilds_with_fewer_atoms_give_the_brute_force_rows(string kind)
    {
        var random = new Random(7);
        var list = new DomainNeighborList(2);
        // A large build first, so that the later ones reuse longer arrays than they need.
        var big = Enumerable.Range(0, 3 * 3000).Select(_ => random.NextDouble() * 20).ToArray();
        var bigKeys = Enumerable.Range(0, 3000).Select(i => 3000L - i).ToArray();
        list.Build(big, 3000, 2000, bigKeys, 1.5);
        AssertMatchesBruteForce(list, big, 3000, 2000, bigKeys, 1.5);

        var n = 400;
        var positions = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            for (var a = 0; a < 3; a++)
            {
                positions[3 * i + a] = kind switch
                {
                    // A few atoms spread over a region a thousand cutoffs wide: the grid must stay small.
                    "sparse" => random.NextDouble() * 2000 * (i % 7 == 0 ? 1 : 0.001),
                    // All atoms in the plane z = 3: no extent along z.
                    "flat" => a == 2 ? 3.0 : random.NextDouble() * 8,
                    // Two tight clusters far apart.
                    _ => (i % 2 == 0 ? 0 : 500) + random.NextDouble() * 3,
                };
            }
        }
        var keys = Enumerable.Range(0, n).Select(i => (long)random.Next() * 27 + i % 27).Distinct().ToArray();
        Assert.Equal(n, keys.Length);
        list.Build(positions, n, 250, keys, 1.5);
        AssertMatchesBruteForce(list, positions, n, 250, keys, 1.5);
        Assert.True(list.EntryCount > 0);

        list.Build(positions, 0, 0, [], 1.5);
        Assert.Equal(0, list.EntryCount);
        Assert.Equal([0], list.Offsets.ToArray());
    }

    [Fact]
    public void Equal_keys_are_rejected()
    {
        var list = new DomainNeighborList();
        var error = Assert.Throws<ArgumentException>(() => list.Build([0, 0, 0, 1, 0, 0, 2, 0, 0], 3, 2, [5, 9, 5], 2.0));
        Assert.Contains("same key 5", error.Message);
        Assert.Throws<ArgumentException>(() => list.Build([0, 0, 0, double.NaN, 0, 0], 2, 1, [1, 2], 2.0));
    }

    private static void AssertMatchesBruteForce(
        DomainNeighborList list, double[] x, int count, int owned, long[] keys, double listCutoff)
    {
        Assert.Equal(count, list.LocalCount);
        Assert.Equal(owned, list.OwnedCount);
        var offsets = list.Offsets.ToArray();
        var neighbors = list.Neighbors.ToArray();
        for (var i = 0; i < owned; i++)
        {
            var expected = new List<int>();
            for (var j = 0; j < count; j++)
            {
                var dx = x[3 * i] - x[3 * j];
                var dy = x[3 * i + 1] - x[3 * j + 1];
                var dz = x[3 * i + 2] - x[3 * j + 2];
                if (j != i && dx * dx + dy * dy + dz * dz < listCutoff * listCutoff)
                {
                    expected.Add(j);
                }
            }
            expected.Sort((a, b) => keys[a].CompareTo(keys[b]));
            Assert.Equal(expected, neighbors[offsets[i]..offsets[i + 1]]);
        }
    }
}
