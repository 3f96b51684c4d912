using Dataflow.Kernels.Md.LongRange;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.LongRange;

public sealed class ChargeAssignmentSpec
{
    [Theory]
    [InlineData(-0.5)]
    [InlineData(-0.2)]
    [InlineData(0.0)]
    [InlineData(0.37)]
    public void Order_three_is_the_triangular_shaped_cloud(double offset)
    {
        // TSC weights (Hockney & Eastwood 1988 ch. 5; Deserno & Holm 1998 I appendix E, P = 3):
        // (1 - 2u)^2 / 8, 3/4 - u^2, (1 + 2u)^2 / 8 for a particle at offset u from its nearest point.
        var weights = new double[3];
        var first = new ChargeAssignment(3).Weights(10.0 + offset, weights);
        var nearest = (int)Math.Floor(10.0 + offset + 0.5);
        var u = 10.0 + offset - nearest;
        Assert.Equal(nearest - 1, first);
        Assert.Equal((1 - 2 * u) * (1 - 2 * u) / 8, weights[0], 1e-15);
        Assert.Equal(0.75 - u * u, weights[1], 1e-15);
        Assert.Equal((1 + 2 * u) * (1 + 2 * u) / 8, weights[2], 1e-15);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Weights_are_a_partition_of_unity_centred_on_the_particle_with_B_spline_variance(int order)
    {
        // W_P is the density of a sum of P independent uniform variables on [-1/2, 1/2], mean 0 and variance
        // P/12. By Poisson summation its moments over the integer translates equal the continuous ones up to
        // order P-1, because the transform sinc^P has P-fold zeros at 2 pi m (Schoenberg's cardinal splines):
        // so for P >= 3 the weights sum to 1, centre on the particle and have variance P/12 for every offset.
        var assignment = new ChargeAssignment(order);
        var weights = new double[order];
        var random = new Random(order);
        for (var trial = 0; trial < 50; trial++)
        {
            var u = 3.0 + (10 * random.NextDouble());
            var first = assignment.Weights(u, weights);
            double sum = 0, mean = 0, variance = 0;
            for (var i = 0; i < order; i++)
            {
                var d = first + i - u;
                Assert.True(weights[i] >= 0 && Math.Abs(d) < (order / 2.0) + 1e-12);
                sum += weights[i];
                mean += weights[i] * d;
                variance += weights[i] * d * d;
            }
            Assert.Equal(1.0, sum, 1e-14);
            Assert.Equal(0.0, mean, 1e-14);
            Assert.Equal(order / 12.0, variance, 1e-13);
        }
    }

    [Fact]
    public void Order_five_central_piece_has_the_published_coefficients()
    {
        // LAMMPS rho_coeff for order 5, central piece: 115/192 - 5/8 s^2 + 1/4 s^4 (Deserno & Holm 1998 I
        // appendix E, W^(5) at the nearest point).
        var assignment = new ChargeAssignment(5);
        Assert.Equal(115.0 / 192.0, assignment.Coefficient(2, 0), 1e-15);
        Assert.Equal(0.0, assignment.Coefficient(2, 1), 1e-15);
        Assert.Equal(-5.0 / 8.0, assignment.Coefficient(2, 2), 1e-15);
        Assert.Equal(0.0, assignment.Coefficient(2, 3), 1e-15);
        Assert.Equal(1.0 / 4.0, assignment.Coefficient(2, 4), 1e-15);
    }

    [Fact]
    public void Weights_are_continuous_where_the_stencil_shifts()
    {
        // Crossing a half-integer (odd order) moves the stencil by one point; the weight field must not jump.
        var assignment = new ChargeAssignment(5);
        var below = new double[5];
        var above = new double[5];
        var firstBelow = assignment.Weights(4.5 - 1e-12, below);
        var firstAbove = assignment.Weights(4.5 + 1e-12, above);
        Assert.Equal(firstBelow + 1, firstAbove);
        Assert.Equal(0.0, above[4], 1e-10);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(below[i + 1], above[i], 1e-10);
        }
        Assert.Equal(0.0, below[0], 1e-10);
    }
}
