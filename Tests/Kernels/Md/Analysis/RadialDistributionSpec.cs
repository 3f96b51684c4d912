using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Analysis;
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
        var expected = File.ReadLines(MdReferenceData.File("nacl-rdf.dat"))
            .Where(l => !l.StartsWith('#'))
            .Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        Assert.Equal(50, expected.Length);
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
        // The first Na-Cl shell: g peaks near 2.8 A, and the running coordination reaches about 5 by the first minimum.
        Assert.True(rows[17][3] > 3.5, $"g_NaCl(2.8) = {rows[17][3]}");
        output.WriteLine($"largest relative difference to LAMMPS over {rows.Length} bins x {rows[0].Length} columns: {worst:E2}");
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
