using Dataflow.Kernels.Md.LongRange;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.LongRange;

public sealed class CoulombRealSpaceSpec
{
    [Fact]
    public void Pair_energy_is_the_screened_Coulomb_term()
    {
        // g r = 1: E = qqr2e qi qj erfc(1) / r with erfc(1) = 0.1572992070502851307 (mpmath 1.3.0).
        var term = CoulombRealSpace.PairEnergyForce(2.0, 1.5, -0.5, 0.5, LongRangeSystems.Qqr2eReal);
        Assert.Equal(LongRangeSystems.Qqr2eReal * 1.5 * -0.5 * 0.1572992070502851307 / 2.0, term.Energy, 1e-12);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.1)]
    [InlineData(4.0)]
    public void Force_over_r_is_minus_the_energy_derivative_over_r(double r)
    {
        const double H = 1e-6;
        var g = 0.8;
        var plus = CoulombRealSpace.PairEnergyForce(r + H, 1.0, 2.0, g).Energy;
        var minus = CoulombRealSpace.PairEnergyForce(r - H, 1.0, 2.0, g).Energy;
        var expected = -(plus - minus) / (2 * H) / r;
        var actual = CoulombRealSpace.PairEnergyForce(r, 1.0, 2.0, g).ForceOverR;
        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-8);
    }

    [Fact]
    public void Without_screening_the_pair_term_is_bare_Coulomb()
    {
        var term = CoulombRealSpace.PairEnergyForce(1.7, 1.0, -1.0, 1e-12, 14.399645);
        Assert.Equal(-14.399645 / 1.7, term.Energy, 1e-10);
        Assert.Equal(-14.399645 / (1.7 * 1.7 * 1.7), term.ForceOverR, 1e-10);
    }

    [Fact]
    public void Minimum_image_and_image_sums_agree_and_pairs_at_the_cutoff_are_left_out()
    {
        // Two charges 3 apart in a box of 10: cutoff 3 excludes the pair (rsq < cutsq in LAMMPS), 3.5 keeps it,
        // and a cutoff of 6 (> L/2, image loop) still sees only that one image.
        var system = new CoulombSystem([1, 1, 1, 4, 1, 1], [1, -1], OrthogonalBox.Cube(10), 1.0);
        Assert.Equal(0.0, CoulombRealSpace.Compute(system, 0.2, 3.0).Energy);
        var inside = CoulombRealSpace.Compute(system, 0.2, 3.5);
        var images = CoulombRealSpace.Compute(system, 0.2, 6.0);
        var pair = CoulombRealSpace.PairEnergyForce(3.0, 1, -1, 0.2);
        Assert.Equal(pair.Energy, inside.Energy, 1e-15);
        Assert.Equal(pair.Energy, images.Energy, 1e-15);
        Assert.Equal(inside.Forces, images.Forces, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(inside.Virial, images.Virial, (a, b) => Math.Abs(a - b) < 1e-15);
        // W_xx = dx * F_x = 3 * (-3 fpair)... with dx = x_i - x_j = -3: W_xx = dx dx fpair.
        Assert.Equal(9.0 * pair.ForceOverR, inside.Virial[0], 1e-15);
    }
}
