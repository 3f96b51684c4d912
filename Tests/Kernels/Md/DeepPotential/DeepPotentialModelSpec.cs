using Dataflow.Kernels.Md.DeepPotential;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.DeepPotential;

/// <summary>se_e2_a: the switch against its closed form, forces and virial against central finite differences of
/// the energy (double precision, 1e-8 relative), invariance under rotation, translation and permutation of like
/// atoms, and periodic images against an explicit 2x2x2 supercell.</summary>
public sealed class DeepPotentialModelSpec
{
    [Fact]
    public void The_switch_is_one_over_r_inside_zero_beyond_and_half_way_at_the_middle()
    {
        Assert.Equal(1 / 2.0, SmoothSwitch.Value(2.0, 2.5, 4.0));
        Assert.Equal(0.0, SmoothSwitch.Value(4.0, 2.5, 4.0));
        Assert.Equal(0.0, SmoothSwitch.Value(5.0, 2.5, 4.0));
        // u = 1/2: u^3 (-6u^2 + 15u - 10) + 1 = 1/8 (-3/2 + 15/2 - 10) + 1 = 1/2.
        Assert.Equal(0.5 / 3.25, SmoothSwitch.Value(3.25, 2.5, 4.0), 15);
        // Continuous with vanishing slope at both ends of the band.
        Assert.Equal(1 / 2.5, SmoothSwitch.Value(2.5 + 1e-9, 2.5, 4.0), 8);
        Assert.True(SmoothSwitch.Value(4.0 - 1e-3, 2.5, 4.0) < 1e-8);
    }

    [Fact]
    public void Forces_and_virial_equal_central_differences_of_the_energy_in_double_precision()
    {
        using var model = DpTestSystems.Model(DpTestSystems.Small());
        var (frame, types) = DpTestSystems.Random(12, 5.5, seed: 2);
        var list = DpNeighborList.Build(frame.Positions, types, frame.Box, 4.0, [40, 40]);
        Assert.Equal(0, list.Overflow);
        Assert.Contains(list.Mask, m => m == 0);
        var exact = model.Evaluate(frame, types);
        const double h = 1e-5;

        var fd = new double[frame.Positions.Length];
        for (var c = 0; c < fd.Length; c++)
        {
            var plus = (double[])frame.Positions.Clone();
            var minus = (double[])frame.Positions.Clone();
            plus[c] += h;
            minus[c] -= h;
            fd[c] = -(model.Evaluate(frame with { Positions = plus }, types).Energy
                - model.Evaluate(frame with { Positions = minus }, types).Energy) / (2 * h);
        }
        AssertRelative(fd, exact.Forces, 1e-8, "forces");

        // W_ab = -dE/d(strain_ab): positions and box rows x -> x (I + strain).
        var virial = new double[9];
        for (var ab = 0; ab < 9; ab++)
        {
            virial[ab] = -(model.Evaluate(Strained(frame, ab, h), types).Energy - model.Evaluate(Strained(frame, ab, -h), types).Energy) / (2 * h);
        }
        AssertRelative(virial, exact.Virial, 1e-8, "virial");
    }

    [Fact]
    public void Energy_is_invariant_under_rotation_translation_and_permutation_of_like_atoms()
    {
        using var model = DpTestSystems.Model(DpTestSystems.Small());
        var (frame, types) = DpTestSystems.Random(12, 5.5, seed: 3);
        var reference = model.Evaluate(frame, types);

        // Rotation of positions and box together (Rodrigues, axis (1,2,3), 0.7 rad).
        var rotation = Rotation([1, 2, 3], 0.7);
        var rotated = new DpFrame(Multiply(frame.Positions, rotation), Multiply(frame.Box!, rotation));
        var r = model.Evaluate(rotated, types);
        Assert.Equal(reference.Energy, r.Energy, 1e-10 * Math.Abs(reference.Energy));
        AssertRelative(Multiply(reference.Forces, rotation), r.Forces, 1e-10, "rotated forces");

        var translated = frame with { Positions = frame.Positions.Select((x, i) => x + (i % 3 + 1) * 0.37).ToArray() };
        Assert.Equal(reference.Energy, model.Evaluate(translated, types).Energy, 1e-10 * Math.Abs(reference.Energy));

        // Swap atoms 0 and 4 (both type 0), and 1 and 7 (both type 1).
        var order = Enumerable.Range(0, 12).ToArray();
        (order[0], order[4]) = (order[4], order[0]);
        (order[1], order[7]) = (order[7], order[1]);
        var permuted = frame with { Positions = order.SelectMany(i => frame.Positions.Skip(3 * i).Take(3)).ToArray() };
        var p = model.Evaluate(permuted, types);
        Assert.Equal(reference.Energy, p.Energy, 1e-10 * Math.Abs(reference.Energy));
        AssertRelative(order.SelectMany(i => reference.Forces.Skip(3 * i).Take(3)).ToArray(), p.Forces, 1e-10, "permuted forces");
    }

    [Fact]
    public void Periodic_images_across_a_box_smaller_than_the_cutoff_match_an_explicit_supercell()
    {
        using var model = DpTestSystems.Model(DpTestSystems.Small(sel: 60));
        // Edge 3.6 < rcut 4: every atom sees its own images and neighbours across every face.
        var (frame, types) = DpTestSystems.Random(6, 3.6, seed: 4);
        var cell = model.Evaluate(frame, types);

        var edge = 3.6;
        var positions = new List<double>();
        var superTypes = new List<int>();
        for (var a = 0; a < 2; a++)
        {
            for (var b = 0; b < 2; b++)
            {
                for (var c = 0; c < 2; c++)
                {
                    for (var i = 0; i < 6; i++)
                    {
                        positions.Add(frame.Positions[3 * i] + a * edge);
                        positions.Add(frame.Positions[3 * i + 1] + b * edge);
                        positions.Add(frame.Positions[3 * i + 2] + c * edge);
                        superTypes.Add(types[i]);
                    }
                }
            }
        }
        var big = 2 * edge;
        var super = model.Evaluate(new DpFrame(positions.ToArray(), [big, 0, 0, 0, big, 0, 0, 0, big]), superTypes.ToArray());
        Assert.Equal(8 * cell.Energy, super.Energy, 1e-10 * Math.Abs(super.Energy));
        AssertRelative(cell.Forces, super.Forces.Take(18).ToArray(), 1e-10, "supercell forces");
        AssertRelative(cell.Virial.Select(v => 8 * v).ToArray(), super.Virial, 1e-10, "supercell virial");
    }

    [Fact]
    public void Single_precision_agrees_with_double_to_single_precision_accuracy()
    {
        using var m64 = DpTestSystems.Model(DpTestSystems.Small());
        using var m32 = DpTestSystems.Model(DpTestSystems.Small(float64: false));
        var (frame, types) = DpTestSystems.Random(12, 5.5, seed: 6);
        var a = m64.Evaluate(frame, types);
        var b = m32.Evaluate(frame, types);
        Assert.Equal(a.Energy, b.Energy, 1e-5 * Math.Abs(a.Energy));
        AssertRelative(a.Forces, b.Forces, 1e-4, "float32 forces");
        Assert.NotEqual(a.Energy, b.Energy);
    }

    internal static DpFrame Strained(DpFrame frame, int ab, double amount)
    {
        var m = new double[9] { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        m[ab] += amount;
        return new DpFrame(Multiply(frame.Positions, m), Multiply(frame.Box!, m));
    }

    // Rows x (3 each) times the 3x3 row-major m: x' = x m.
    internal static double[] Multiply(double[] rows, double[] m)
    {
        var result = new double[rows.Length];
        for (var i = 0; i < rows.Length; i += 3)
        {
            for (var d = 0; d < 3; d++)
            {
                result[i + d] = rows[i] * m[d] + rows[i + 1] * m[3 + d] + rows[i + 2] * m[6 + d];
            }
        }
        return result;
    }

    private static double[] Rotation(double[] axis, double angle)
    {
        var norm = Math.Sqrt(axis.Sum(a => a * a));
        var (x, y, z) = (axis[0] / norm, axis[1] / norm, axis[2] / norm);
        var (c, s) = (Math.Cos(angle), Math.Sin(angle));
        var t = 1 - c;
        return [t * x * x + c, t * x * y + s * z, t * x * z - s * y,
            t * x * y - s * z, t * y * y + c, t * y * z + s * x,
            t * x * z + s * y, t * y * z - s * x, t * z * z + c];
    }

    /// <summary>Asserts max |a - b| &lt;= relative max |a|.</summary>
    internal static void AssertRelative(double[] expected, double[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= relative * scale, $"{what}: largest difference {worst:E3} against scale {scale:E3} (allowed {relative:E0} relative)");
    }
}
