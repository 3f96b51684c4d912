namespace Dataflow.Kernels.Md.LongRange;

/// <summary>erfc(x) to double precision, fast enough for a pair loop (.NET has no erfc).</summary>
/// <remarks>
/// For 0 &lt;= x &lt; 8 it evaluates a piecewise Chebyshev expansion of the smooth scaled function
/// <c>erfcx(x) = exp(x^2) erfc(x)</c> and multiplies by <c>exp(-x^2)</c>, so the caller's Gaussian comes for free
/// (<see cref="EvaluateWithGaussian"/>). The expansion is fitted once, at type initialisation, to a slow
/// reference: the everywhere-positive series erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1)/(2n+1)!!
/// (Abramowitz &amp; Stegun 7.1.6) below x = 1/2, and the continued fraction A&amp;S 7.1.14 from x = 1/2 on, which keeps
/// full relative accuracy where erfc is tiny. LAMMPS's pair styles use the five-term A&amp;S 7.1.26 fit instead,
/// whose 1e-7 relative error is too coarse for a 1e-9 Madelung constant.
/// </remarks>
public static class ComplementaryErrorFunction
{
    private const double IntervalWidth = 0.5;
    private const int IntervalCount = 16;
    private const double TableEnd = IntervalWidth * IntervalCount;
    private const int Degree = 18;
    private const double SeriesEnd = 0.5;
    private const int ContinuedFractionDepth = 4000;

    /// <summary>2 / sqrt(pi).</summary>
    public const double TwoOverSqrtPi = 1.1283791670955125739;

    private static readonly double[] Coefficients = FitTable();

    /// <summary>erfc(x).</summary>
    public static double Evaluate(double x) => EvaluateWithGaussian(x, out _);

    /// <summary>erfc(x), and exp(-x^2) in <paramref name="gaussian"/>.</summary>
    public static double EvaluateWithGaussian(double x, out double gaussian)
    {
        gaussian = Math.Exp(-x * x);
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        var ax = Math.Abs(x);
        var scaled = ax < TableEnd ? Table(ax) : ScaledByContinuedFraction(ax, ContinuedFractionDepth / 40);
        var erfcOfAbs = scaled * gaussian;
        return x >= 0 ? erfcOfAbs : 2.0 - erfcOfAbs;
    }

    /// <summary>erfc(x) by the slow reference methods the table is fitted to (series and continued fraction).</summary>
    public static double Reference(double x)
    {
        if (x < 0)
        {
            return 2.0 - Reference(-x);
        }
        return ScaledReference(x) * Math.Exp(-x * x);
    }

    private static double Table(double ax)
    {
        var interval = (int)(ax / IntervalWidth);
        if (interval >= IntervalCount)
        {
            interval = IntervalCount - 1;
        }
        var lower = interval * IntervalWidth;
        // Map [lower, lower + width] to t in [-1, 1] and sum the Chebyshev series by Clenshaw's recurrence.
        var t = (2.0 * (ax - lower) / IntervalWidth) - 1.0;
        var twoT = 2.0 * t;
        var offset = interval * (Degree + 1);
        double b1 = 0.0, b2 = 0.0;
        for (var j = Degree; j >= 1; j--)
        {
            var b0 = Coefficients[offset + j] + (twoT * b1) - b2;
            b2 = b1;
            b1 = b0;
        }
        return Coefficients[offset] + (t * b1) - b2;
    }

    // exp(x^2) erfc(x) for x >= 0, accurate to a few ulps, slow.
    private static double ScaledReference(double x) =>
        x < SeriesEnd ? Math.Exp(x * x) * (1.0 - ErfBySeries(x)) : ScaledByContinuedFraction(x, ContinuedFractionDepth);

    // A&S 7.1.6: erf x = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1)); all terms positive.
    private static double ErfBySeries(double x)
    {
        var term = x;
        var sum = x;
        for (var n = 0; n < 200; n++)
        {
            term *= 2.0 * x * x / (2 * n + 3);
            sum += term;
            if (term < 1e-18 * sum)
            {
                break;
            }
        }
        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    // A&S 7.1.14: sqrt(pi) exp(x^2) erfc x = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), summed backwards.
    private static double ScaledByContinuedFraction(double x, int depth)
    {
        var tail = x;
        for (var n = depth; n >= 1; n--)
        {
            tail = x + (0.5 * n / tail);
        }
        return 1.0 / (tail * Math.Sqrt(Math.PI));
    }

    private static double[] FitTable()
    {
        // Chebyshev interpolation at the Chebyshev-Gauss nodes of each interval (Numerical Recipes 3rd ed. 5.8).
        var coefficients = new double[IntervalCount * (Degree + 1)];
        var nodes = Degree + 1;
        var values = new double[nodes];
        for (var interval = 0; interval < IntervalCount; interval++)
        {
            var lower = interval * IntervalWidth;
            for (var k = 0; k < nodes; k++)
            {
                var t = Math.Cos(Math.PI * (k + 0.5) / nodes);
                values[k] = ScaledReference(lower + (0.5 * IntervalWidth * (t + 1.0)));
            }
            for (var j = 0; j < nodes; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < nodes; k++)
                {
                    sum += values[k] * Math.Cos(Math.PI * j * (k + 0.5) / nodes);
                }
                coefficients[(interval * nodes) + j] = (j == 0 ? 1.0 : 2.0) * sum / nodes;
            }
        }
        return coefficients;
    }
}
