using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Constraints;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Constraints;

/// <summary>LAMMPS' fix shake clusters and equations (<see cref="ShakeClusters"/>, <see cref="ShakeSolver"/>): water's
/// angle clusters, the degrees of freedom they remove, and constraint forces that put the next positions on the
/// constrained distances.</summary>
public sealed class ShakeSpec
{
    private static readonly ShakeSettings s_water = ShakeSettings.Parse(["0.0001", "20", "0", "b", "1", "a", "1"]);

    /// <summary>water-shake.data with <c>b 1 a 1</c>: one angle cluster per molecule, the oxygen first, 3 degrees of
    /// freedom each (216 clusters, as lmp's log.water-shake counts them), and no harmonic bond or angle left; with
    /// <c>b 1</c> only, 3-atom bond clusters of 2 degrees of freedom.</summary>
    [Fact]
    public void Water_molecules_are_angle_clusters()
    {
        var system = LammpsDataReader.Read(MdReferenceData.File("water-shake.data"));
        var clusters = ShakeClusters.Find(system, s_water, _ => 1.0, _ => 109.47 / 180.0 * Math.PI);
        Assert.Equal(216, clusters.Clusters.Count);
        Assert.All(clusters.Clusters, c => Assert.Equal(1, c.Kind));
        Assert.Equal(648, clusters.DegreesOfFreedom);
        Assert.Equal([1, 2, 3], clusters.Clusters[0].Atoms);
        // The H-H distance of SPC/E: 2 sin(109.47 / 2) = 1.63298...
        Assert.Equal(2.0 * Math.Sin(109.47 / 360.0 * Math.PI), clusters.Clusters[0].Distances[2], 12);
        var left = clusters.Unconstrained(system.Topology!);
        Assert.Empty(left.Bonds);
        Assert.Empty(left.Angles);
        var bondsOnly = ShakeClusters.Find(system, ShakeSettings.Parse(["1e-4", "20", "0", "b", "1"]), _ => 1.0, _ => 0.0);
        Assert.All(bondsOnly.Clusters, c => Assert.Equal(3, c.Kind));
        Assert.Equal(432, bondsOnly.DegreesOfFreedom);
        Assert.Equal(216, bondsOnly.Unconstrained(system.Topology!).Angles.Length);
    }

    /// <summary>A water molecule pushed off its geometry: the constraint forces, integrated over the next drift
    /// (x' = xshake + dtfsq F / m), put both bonds and the H-H distance back to within the tolerance's effect, and
    /// the forces on the three atoms (each solved from its own view) sum to zero: internal forces.</summary>
    [Fact]
    public void Constraint_forces_restore_the_geometry()
    {
        var hh = 2.0 * Math.Sin(109.47 / 360.0 * Math.PI);
        var cluster = new ShakeCluster(1, [1, 2, 3], [1.0, 1.0, hh]);
        double[] x = [0, 0, 0, 1, 0, 0, Math.Cos(109.47 / 180 * Math.PI), Math.Sin(109.47 / 180 * Math.PI), 0];
        double[] predicted = [0.01, -0.02, 0.005, 1.03, 0.04, -0.01, x[6] - 0.02, x[7] + 0.05, 0.03];
        double[] masses = [15.9994, 1.00794, 1.00794];
        double[] inverse = masses.Select(m => 1.0 / m).ToArray();
        const double dtfsq = 4.0 * 418.4004e-6;
        var total = new double[3];
        var moved = (double[])predicted.Clone();
        Span<double> virial = stackalloc double[6];
        for (var member = 0; member < 3; member++)
        {
            var force = new double[3];
            ShakeSolver.Solve(cluster, x, predicted, inverse, 1e-10, 100, dtfsq, member, force, virial);
            for (var a = 0; a < 3; a++)
            {
                total[a] += force[a];
                moved[3 * member + a] += dtfsq / masses[member] * force[a];
            }
        }
        double Distance(int i, int j) => Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(moved[3 * i + a] - moved[3 * j + a], 2)));
        Assert.Equal(1.0, Distance(0, 1), 8);
        Assert.Equal(1.0, Distance(0, 2), 8);
        Assert.Equal(hh, Distance(1, 2), 8);
        Assert.All(total, f => Assert.True(Math.Abs(f) < 1e-9, $"net force {f}"));
        Assert.True(virial[0] + virial[1] + virial[2] != 0);
    }

    /// <summary>A 2-atom cluster is solved exactly (the quadratic's smaller root).</summary>
    [Fact]
    public void Bond_cluster_is_solved_exactly()
    {
        var cluster = new ShakeCluster(2, [1, 2], [1.2]);
        double[] x = [0, 0, 0, 1.2, 0, 0];
        double[] predicted = [0.05, 0.1, 0, 1.4, -0.1, 0.02];
        double[] masses = [12.0, 1.0];
        var moved = (double[])predicted.Clone();
        Span<double> virial = stackalloc double[6];
        for (var member = 0; member < 2; member++)
        {
            var force = new double[3];
            ShakeSolver.Solve(cluster, x, predicted, [1 / 12.0, 1.0], 1e-4, 20, 1.0, member, force, virial);
            for (var a = 0; a < 3; a++)
            {
                moved[3 * member + a] += force[a] / masses[member];
            }
        }
        var d = Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(moved[a] - moved[3 + a], 2)));
        Assert.Equal(1.2, d, 12);
    }

    /// <summary>Bad fix shake arguments: one message naming what was wrong.</summary>
    [Theory]
    [InlineData("0.0001 20 0", "expected TOL ITER N")]
    [InlineData("x 20 0 b 1", "tolerance 'x' is not a number")]
    [InlineData("0.0001 20 0 q 1", "expected b, a, t or m before 'q'")]
    [InlineData("0.0001 20 0 b 1 mol w", "'mol' is not supported")]
    public void Bad_arguments_are_named(string words, string message)
    {
        var e = Assert.Throws<FormatException>(() => ShakeSettings.Parse(words.Split(' ')));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
