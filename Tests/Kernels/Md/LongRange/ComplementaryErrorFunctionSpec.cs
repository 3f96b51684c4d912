using Dataflow.Kernels.Md.LongRange;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.LongRange;

public sealed class ComplementaryErrorFunctionSpec
{
    [Theory]
    // erfc to 19 digits from mpmath 1.3.0 (mp.dps = 30, mpmath.erfc).
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869534623)]
    [InlineData(1.0, 0.1572992070502851307)]
    [InlineData(2.0, 0.004677734981047265838)]
    [InlineData(3.0, 2.209049699858544137e-5)]
    [InlineData(4.0, 1.541725790028001885e-8)]
    [InlineData(5.0, 1.537459794428034850e-12)]
    [InlineData(-1.0, 1.8427007929497148693)]
    public void Matches_tabulated_values_to_a_few_ulps(double x, double expected)
    {
        Assert.Equal(expected, ComplementaryErrorFunction.Evaluate(x), expected * 1e-14);
        Assert.Equal(expected, ComplementaryErrorFunction.Reference(x), expected * 1e-14);
    }

    [Fact]
    public void The_fast_table_agrees_with_the_slow_reference_everywhere_it_is_used()
    {
        // Across interval edges and the switch to the continued fraction; relative, so the tail counts too.
        var worst = 0.0;
        for (var x = 0.0; x < 9.0; x += 0.00731)
        {
            var reference = ComplementaryErrorFunction.Reference(x);
            worst = Math.Max(worst, Math.Abs(ComplementaryErrorFunction.Evaluate(x) - reference) / reference);
        }
        Assert.True(worst < 2e-14, $"worst relative difference {worst:E2}");
    }

    [Fact]
    public void Returns_the_gaussian_it_used()
    {
        var erfc = ComplementaryErrorFunction.EvaluateWithGaussian(1.7, out var gaussian);
        Assert.Equal(Math.Exp(-1.7 * 1.7), gaussian, 1e-17);
        Assert.Equal(ComplementaryErrorFunction.Evaluate(1.7), erfc);
    }
}
