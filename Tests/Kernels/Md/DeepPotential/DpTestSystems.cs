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
        var x = MdTestSystems.RandomPositions(n, edge, 1.2, new Random(seed));
        return (new DpFrame(x, [edge, 0, 0, 0, edge, 0, 0, 0, edge]), Enumerable.Range(0, n).Select(i => i % 2).ToArray());
    }
}
