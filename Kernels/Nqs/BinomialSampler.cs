namespace Dataflow.Kernels.Nqs;

/// <summary>Exact binomial and multinomial variates drawn from a <see cref="CounterStream"/>.</summary>
/// <remarks>
/// Binomial(n, p) uses inversion (sequential search from 0) when min(p, 1 - p) n &lt;= 30 and otherwise BTPE,
/// the triangle-parallelogram-exponential rejection method of Kachitvichyanukul &amp; Schmeiser, "Binomial
/// random variate generation", CACM 31(2), 1988, with the final test from Stirling's series written out in
/// full (log f(y)/f(M) with corrections +c(M+1) + c(n-M+1) - c(y+1) - c(n-y+1)). Counts up to 2^53 are exact.
/// </remarks>
public static class BinomialSampler
{
    private const double InversionLimit = 30.0;

    /// <summary>A Binomial(<paramref name="n"/>, <paramref name="p"/>) variate.</summary>
    public static long Sample(ref CounterStream stream, long n, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0 || p <= 0.0 || double.IsNaN(p))
        {
            return 0;
        }
        if (p >= 1.0)
        {
            return n;
        }
        if (p <= 0.5)
        {
            return p * n <= InversionLimit ? Inversion(ref stream, n, p) : Btpe(ref stream, n, p);
        }
        var q = 1.0 - p;
        return n - (q * n <= InversionLimit ? Inversion(ref stream, n, q) : Btpe(ref stream, n, q));
    }

    /// <summary>Splits <paramref name="n"/> trials over outcomes with probabilities <paramref name="probabilities"/>
    /// (need not sum exactly to 1; zeros get nothing) by a chain of conditional binomials.</summary>
    /// <remarks>Outcome c gets Binomial(n - sum_{c' &lt; c} n_c', p_c / sum_{c' &gt;= c} p_c'); the last outcome with
    /// positive probability takes the rest.</remarks>
    public static void Multinomial(ref CounterStream stream, long n, ReadOnlySpan<double> probabilities, Span<long> counts)
    {
        if (counts.Length != probabilities.Length)
        {
            throw new ArgumentException("one count per probability", nameof(counts));
        }
        counts.Clear();
        var last = -1;
        for (var c = probabilities.Length - 1; c >= 0; c--)
        {
            if (probabilities[c] > 0.0)
            {
                last = c;
                break;
            }
        }
        if (last < 0)
        {
            if (n > 0)
            {
                throw new ArgumentException("no outcome has positive probability", nameof(probabilities));
            }
            return;
        }
        var remaining = n;
        for (var c = 0; c < last && remaining > 0; c++)
        {
            var p = probabilities[c];
            if (p <= 0.0)
            {
                continue;
            }
            var tail = 0.0;
            for (var c2 = c; c2 <= last; c2++)
            {
                tail += Math.Max(probabilities[c2], 0.0);
            }
            var k = Sample(ref stream, remaining, Math.Min(p / tail, 1.0));
            counts[c] = k;
            remaining -= k;
        }
        counts[last] = remaining;
    }

    // Sequential search over the pmf from 0 with the recurrence f(x) = f(x - 1) (n - x + 1) p / (x q); a run past
    // the bound (probability below 1e-20) restarts with a fresh uniform. Requires p <= 1/2 and n p <= 30.
    private static long Inversion(ref CounterStream stream, long n, double p)
    {
        var q = 1.0 - p;
        var f0 = Math.Exp(n * Math.Log(q));
        var np = n * p;
        var bound = (long)Math.Min(n, np + 10.0 * Math.Sqrt(np * q + 1.0));
        while (true)
        {
            var u = stream.NextUniform();
            var f = f0;
            var x = 0L;
            while (u > f)
            {
                u -= f;
                x++;
                if (x > bound)
                {
                    break;
                }
                f *= (n - x + 1) * p / (x * q);
            }
            if (x <= bound)
            {
                return x;
            }
        }
    }

    // BTPE, steps numbered as in Kachitvichyanukul & Schmeiser (1988). Requires p <= 1/2 and n p > 30.
    private static long Btpe(ref CounterStream stream, long n, double p)
    {
        // Step 0: set-up.
        var q = 1.0 - p;
        var nd = (double)n;
        var npq = nd * p * q;
        var fm = nd * p + p;
        var m = Math.Floor(fm);
        var p1 = Math.Floor(2.195 * Math.Sqrt(npq) - 4.6 * q) + 0.5;
        var xm = m + 0.5;
        var xl = xm - p1;
        var xr = xm + p1;
        var c = 0.134 + 20.5 / (15.3 + m);
        var al = (fm - xl) / (fm - xl * p);
        var lambdaL = al * (1.0 + 0.5 * al);
        var ar = (xr - fm) / (xr * q);
        var lambdaR = ar * (1.0 + 0.5 * ar);
        var p2 = p1 * (1.0 + 2.0 * c);
        var p3 = p2 + c / lambdaL;
        var p4 = p3 + c / lambdaR;

        while (true)
        {
            // Step 1: the triangular region accepts at once.
            var u = stream.NextUniform() * p4;
            var v = stream.NextUniform();
            double y;
            if (u <= p1)
            {
                return (long)Math.Floor(xm - p1 * v + u);
            }
            if (u <= p2)
            {
                // Step 2: parallelograms.
                var x = xl + (u - p1) / c;
                v = v * c + 1.0 - Math.Abs(m - x + 0.5) / p1;
                if (v > 1.0)
                {
                    continue;
                }
                y = Math.Floor(x);
            }
            else if (u <= p3)
            {
                // Step 3: left exponential tail.
                if (v == 0.0)
                {
                    continue;
                }
                y = Math.Floor(xl + Math.Log(v) / lambdaL);
                if (y < 0.0)
                {
                    continue;
                }
                v *= (u - p2) * lambdaL;
            }
            else
            {
                // Step 4: right exponential tail.
                if (v == 0.0)
                {
                    continue;
                }
                y = Math.Floor(xr - Math.Log(v) / lambdaR);
                if (y > nd)
                {
                    continue;
                }
                v *= (u - p3) * lambdaR;
            }

            // Step 5: accept y iff v <= f(y) / f(M).
            var k = Math.Abs(y - m);
            if (k <= 20.0 || k >= npq / 2.0 - 1.0)
            {
                // Step 5.1: f(y) / f(M) by the recurrence f(i) / f(i - 1) = (n - i + 1) p / (i q).
                var s = p / q;
                var a = s * (nd + 1.0);
                var f = 1.0;
                if (m < y)
                {
                    for (var i = m + 1.0; i <= y; i++)
                    {
                        f *= a / i - s;
                    }
                }
                else if (m > y)
                {
                    for (var i = y + 1.0; i <= m; i++)
                    {
                        f /= a / i - s;
                    }
                }
                if (v <= f)
                {
                    return (long)y;
                }
                continue;
            }

            // Step 5.2: squeeze on log(f(y) / f(M)) around the normal approximation.
            var rho = k / npq * ((k * (k / 3.0 + 0.625) + 1.0 / 6.0) / npq + 0.5);
            var t = -k * k / (2.0 * npq);
            var logV = Math.Log(v);
            if (logV < t - rho)
            {
                return (long)y;
            }
            if (logV > t + rho)
            {
                continue;
            }

            // Step 5.3: log(f(y) / f(M)) from Stirling's formula for the four factorials.
            var x1 = y + 1.0;
            var f1 = m + 1.0;
            var z = nd + 1.0 - m;
            var w = nd - y + 1.0;
            var bound = xm * Math.Log(f1 / x1)
                + (nd - m + 0.5) * Math.Log(z / w)
                + (y - m) * Math.Log(w * p / (x1 * q))
                + StirlingCorrection(f1) + StirlingCorrection(z) - StirlingCorrection(x1) - StirlingCorrection(w);
            if (logV <= bound)
            {
                return (long)y;
            }
        }
    }

    // ln Gamma(x) - [(x - 1/2) ln x - x + ln(2 pi) / 2] = 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7) + 1/(1188x^9) ...
    private static double StirlingCorrection(double x)
    {
        var x2 = x * x;
        return (13860.0 - (462.0 - (132.0 - (99.0 - 140.0 / x2) / x2) / x2) / x2) / x / 166320.0;
    }
}
