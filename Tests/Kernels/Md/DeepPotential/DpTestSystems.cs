using Dataflow.Kernels.Md.DeepPotential;

namespace Dataflow.Tests.Kernels.Md.DeepPotential;

/// <summary>Small models and frames the Deep Potential specs share.</summary>
internal static class DpTestSystems
{
    /// <summary>Two types, rcut 4 with a wide switching band (rcut_smth 2.5), small nets, double precision.</summary>
    public static DeepPotentialSettings Small(bool float64 = true, int sel = 40) =>
        new(["A", "B"], 4.0, 2.5, [sel, sel], [4, 8, 16], 4, [16, 16], float64);

    /// <summary>A random model of <see cref="Small"/> with non-trivial statistics and bias, so that normalisation is
    /// exercised.</summary>
    public static DeepPotentialModel Model(DeepPotentialSettings settings, long seed = 5) =>
        new(settings, seed)
        {
            Stats = new DeepPotentialModel.Statistics(
                [0.12, 0, 0, 0, 0.09, 0, 0, 0],
                [0.31, 0.22, 0.22, 0.22, 0.27, 0.19, 0.19, 0.19],
                [-1.5, -2.25]),
        };

    /// <summary><paramref name="n"/> atoms of alternating types at random positions in a cubic box of edge
    /// <paramref name="edge"/>, none closer than 1.2 (minimum image).</summary>
    public static (DpFrame Frame, int[] Types) Random(int n, double edge, int seed)
    {
        var random = new Random(seed);
        var x = new List<double>();
        while (x.Count < 3 * n)
        {
            var p = new[] { random.NextDouble() * edge, random.NextDouble() * edge, random.NextDouble() * edge };
            var ok = true;
            for (var j = 0; j < x.Count && ok; j += 3)
            {
                var r2 = 0.0;
                for (var d = 0; d < 3; d++)
                {
                    var dd = p[d] - x[j + d];
                    dd -= edge * Math.Round(dd / edge);
                    r2 += dd * dd;
                }
                ok = r2 >= 1.2 * 1.2;
            }
            if (ok)
            {
                x.AddRange(p);
            }
        }
        return (new DpFrame(x.ToArray(), [edge, 0, 0, 0, edge, 0, 0, 0, edge]), Enumerable.Range(0, n).Select(i => i % 2).ToArray());
    }
}
