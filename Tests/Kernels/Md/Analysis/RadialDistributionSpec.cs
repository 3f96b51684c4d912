using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Analysis;
using Dataflow.Kernels.Md.Bonded;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.Analysis;

/// <summary><c>compute rdf</c> against LAMMPS' own output.</summary>
public sealed class RadialDistributionSpec(ITestOutputHelper output)
{
    /// <summary>g(r) and coordination numbers of the molten salt (nacl-melt.data; pairs Na-Na, Na-Cl, Cl-Cl, 50 bins
    /// to 8.0) equal what lmp's in.nacl-rdf wrote with fix ave/time and %.16g (Reference/nacl-rdf.dat), to 1e-12.</summary>
    [Fact]
    public void Molten_salt_rdf_matches_LAMMPS_compute_rdf()
    {
        var state = new MdState(MdTestSystems.Reference("nacl-melt.data"), UnitSystem.Metal);
        var rows = RadialDistribution.Compute(state, 8.0, 50, [(1, 1), (1, 2), (2, 2)]);
        Compare(rows, "nacl-rdf.dat", 50);
        // The first Na-Cl shell: g peaks near 2.8 A, and the running coordination reaches about 5 by the first minimum.
        Assert.True(rows[17][3] > 3.5, $"g_NaCl(2.8) = {rows[17][3]}");
    }

    /// <summary>Molecules with <c>special_bonds lj/coul 0.0 0.0 0.5</c>: the bonded O-H and H-H pairs are left out of
    /// g(r) as LAMMPS leaves them out (in.triatomic-rdf -> Reference/triatomic-rdf.dat, 25 bins to 5.0).</summary>
    [Fact]
    public void Pairs_excluded_by_special_bonds_are_left_out_as_LAMMPS_does()
    {
        var system = MdTestSystems.Reference("triatomic-charged.data");
        var state = new MdState(system, UnitSystem.Real);
        var excluded = SpecialBonds.SpecialPairs(system.Topology!).Where(p => p.Level <= 2).Select(p => (p.Id1, p.Id2)).ToHashSet();
        Assert.Equal(81, excluded.Count);
        var rows = RadialDistribution.Compute(state, 5.0, 25, [(1, 1), (1, 2), (2, 2)], excluded);
        Compare(rows, "triatomic-rdf.dat", 25);
        // Counted, the bonds would fill the O-H bins at 1 A.
        var all = RadialDistribution.Compute(state, 5.0, 25, [(1, 1), (1, 2), (2, 2)]);
        Assert.Equal(0.0, rows[4][3] + rows[5][3]);
        Assert.True(all[4][3] + all[5][3] > 0);
    }

    private void Compare(double[][] rows, string reference, int bins)
    {
        var expected = File.ReadLines(MdReferenceData.File(reference))
            .Where(l => !l.StartsWith('#'))
            .Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        Assert.Equal(bins, expected.Length);
        Assert.Equal(expected.Length, rows.Length);
        var worst = 0.0;
        for (var b = 0; b < rows.Length; b++)
        {
            Assert.Equal(expected[b].Length, rows[b].Length);
            for (var c = 0; c < rows[b].Length; c++)
            {
                var difference = Math.Abs(rows[b][c] - expected[b][c]);
                worst = Math.Max(worst, difference / Math.Max(Math.Abs(expected[b][c]), 1e-300));
                Assert.True(difference <= 1e-12 * Math.Abs(expected[b][c]), $"bin {b + 1} column {c + 1}: {rows[b][c]:R} vs LAMMPS {expected[b][c]:R}");
            }
        }
        output.WriteLine($"{reference}: largest relative difference to LAMMPS over {rows.Length} bins x {rows[0].Length} columns: {worst:E2}");
    }

    /// <summary>A cutoff of half the box or more would count a pair twice: refused.</summary>
    [Fact]
    public void A_cutoff_of_half_the_box_is_refused()
    {
        var state = new MdState(MdTestSystems.Reference("nacl-melt.data"), UnitSystem.Metal);
        var error = Assert.Throws<ArgumentException>(() => RadialDistribution.Compute(state, 12.6, 10, [(1, 1)]));
        Assert.Contains("below half the shortest box edge", error.Message);
    }
}
