using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

/// <summary>Systems and assertions the md specs share.</summary>
internal static class MdTestSystems
{
    /// <summary>LAMMPS bench/in.lj's settings: lj/cut 2.5, skin 0.3, every 20 steps without a check.</summary>
    public static NeighborSettings BenchNeighbors { get; } = new() { SkinDistance = 0.3, Every = 20, Delay = 0, Check = false };

    /// <summary>A reference data file shipped in Kernels/Md/Reference.</summary>
    public static MdSystem Reference(string name) => LammpsDataReader.Read(MdReferenceData.File(name));

    /// <summary>Thermo rows of a reference log.</summary>
    public static IReadOnlyList<ThermoSample> ReferenceThermo(string log, bool normalized) =>
        LammpsLog.Thermo(File.ReadLines(MdReferenceData.File(log)), normalized);

    /// <summary>N atoms of <paramref name="typeCount"/> types at random positions in a cubic box of edge
    /// <paramref name="edge"/>, no two closer than <paramref name="minDistance"/> (minimum image), with random
    /// velocities; masses 1, 2, ... per type.</summary>
    public static MdSystem Random(int n, double edge, int typeCount, double minDistance, int seed, double speed = 1.0)
    {
        var random = new Random(seed);
        var x = RandomPositions(n, edge, minDistance, random);
        var v = Enumerable.Range(0, 3 * n).Select(_ => speed * (random.NextDouble() - 0.5)).ToArray();
        var types = Enumerable.Range(0, n).Select(i => 1 + i % typeCount).ToArray();
        return new MdSystem(
            OrthogonalBox.FromLengths(edge, edge, edge),
            typeCount,
            Enumerable.Range(1, n).ToArray(),
            types,
            x,
            v,
            masses: Enumerable.Range(1, typeCount).Select(t => (double)t).ToArray());
    }

    /// <summary><paramref name="n"/> points (x y z each) drawn uniformly in a cubic box of edge <paramref name="edge"/>,
    /// a draw kept only when no earlier point is closer than <paramref name="minDistance"/> (minimum image).</summary>
    public static double[] RandomPositions(int n, double edge, double minDistance, Random random)
    {
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
                ok = r2 >= minDistance * minDistance;
            }
            if (ok)
            {
                x.AddRange(p);
            }
        }
        return x.ToArray();
    }

    /// <summary>Asserts each quantity of <paramref name="actual"/> within <paramref name="relative"/> of
    /// <paramref name="expected"/>.</summary>
    public static void ThermoClose(ThermoSample expected, ThermoSample actual, double relative)
    {
        Assert.Equal(expected.Step, actual.Step);
        Close(expected.Temperature, actual.Temperature, relative, $"step {expected.Step} temp");
        Close(expected.PotentialEnergy, actual.PotentialEnergy, relative, $"step {expected.Step} pe");
        Close(expected.KineticEnergy, actual.KineticEnergy, relative, $"step {expected.Step} ke");
        Close(expected.TotalEnergy, actual.TotalEnergy, relative, $"step {expected.Step} etotal");
        Close(expected.Pressure, actual.Pressure, relative, $"step {expected.Step} press");
    }

    /// <summary>Asserts |actual - expected| &lt;= relative |expected|.</summary>
    public static void Close(double expected, double actual, double relative, string what)
    {
        if (!(Math.Abs(actual - expected) <= relative * Math.Abs(expected)))
        {
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (relative difference {Math.Abs(actual - expected) / Math.Abs(expected):E2}, allowed {relative:E0})");
        }
    }

    /// <summary>Largest relative difference over the thermo quantities of two row lists.</summary>
    public static double MaxRelativeDifference(IReadOnlyList<ThermoSample> expected, IReadOnlyList<ThermoSample> actual)
    {
        var max = 0.0;
        for (var k = 0; k < expected.Count; k++)
        {
            var e = expected[k];
            var a = actual[k];
            foreach (var (x, y) in new[]
            {
                (e.Temperature, a.Temperature), (e.PotentialEnergy, a.PotentialEnergy), (e.KineticEnergy, a.KineticEnergy),
                (e.TotalEnergy, a.TotalEnergy), (e.Pressure, a.Pressure),
            })
            {
                max = Math.Max(max, Math.Abs(x - y) / Math.Abs(x));
            }
        }
        return max;
    }
}
