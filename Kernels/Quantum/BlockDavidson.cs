using System.Diagnostics;
using System.Runtime;

namespace Dataflow.Kernels.Quantum;

/// <summary>The lowest eigenpairs of a large symmetric operator given only as a product, by block Davidson from
/// several guess vectors (Davidson, J. Comput. Phys. 17, 87 (1975); Liu's block form, as PySCF's
/// <c>lib.davidson</c>).</summary>
/// <remarks>
/// Each iteration: Rayleigh-Ritz in the orthonormal basis V (projected matrix by <see cref="JacobiEigensolver"/>);
/// for each tracked Ritz pair not yet converged, the residual r = A x - theta x and the correction
/// t = r / (theta - A_kk), orthogonalised twice against V and appended. When V would exceed the subspace limit it
/// collapses to the tracked Ritz vectors. Tracking more pairs than are reported keeps every guess's sector alive
/// (the operator conserves spin and symmetry, so a sector no guess reaches is never found). All reductions run in a
/// fixed order: the result is bitwise reproducible when the product is.
/// </remarks>
public static class BlockDavidson
{
    /// <summary>Vector length from which each iteration ends with a garbage collection.</summary>
    private const long LargeDimension = 1_000_000;

    /// <summary>The <paramref name="tracked"/> lowest Ritz pairs in the space the guesses reach, sorted by energy.</summary>
    /// <param name="dimension">Length of the vectors.</param>
    /// <param name="multiply">Writes A x into its second argument.</param>
    /// <param name="diagonal">A's diagonal, for the preconditioner.</param>
    /// <param name="guesses">Starting vectors (orthonormalised here; dependent ones dropped).</param>
    /// <param name="tracked">Pairs refined to convergence.</param>
    /// <param name="maxSubspace">Most basis vectors kept (at least 2 * tracked).</param>
    /// <param name="options">Tolerances and the iteration limit.</param>
    /// <param name="progress">Called after each iteration, or null.</param>
    /// <param name="cancellationToken">Checked every iteration.</param>
    /// <param name="project">Projects a correction vector, in place, onto the subspace the solve is confined to (a
    /// symmetry sector of A that the guesses lie in), or null for the whole space.</param>
    /// <param name="span">The dimension of that subspace (<paramref name="dimension"/> without one).</param>
    /// <exception cref="InvalidOperationException">Not converged within <see cref="DavidsonOptions.MaxIterations"/>.</exception>
    public static IReadOnlyList<DavidsonResult> Solve(
        long dimension, Action<double[], double[]> multiply, double[] diagonal, IReadOnlyList<double[]> guesses,
        int tracked, int maxSubspace, DavidsonOptions options, Action<DavidsonProgress>? progress = null,
        CancellationToken cancellationToken = default, Action<double[]>? project = null, long span = -1)
    {
        span = span < 0 ? dimension : span;
        ArgumentNullException.ThrowIfNull(multiply);
        ArgumentNullException.ThrowIfNull(diagonal);
        ArgumentNullException.ThrowIfNull(guesses);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(tracked, 1);
        var clock = Stopwatch.StartNew();
        var basis = new List<double[]>();
        var products = new List<double[]>();
        foreach (var guess in guesses)
        {
            if (Orthonormalised((double[])guess.Clone(), basis) is { } v)
            {
                basis.Add(v);
            }
        }
        if (basis.Count == 0)
        {
            throw new ArgumentException("no independent guess vector", nameof(guesses));
        }
        tracked = Math.Min(tracked, (int)Math.Min(span, int.MaxValue));
        maxSubspace = (int)Math.Min(Math.Max(maxSubspace, 2 * tracked), span);
        var fresh = basis.Count;
        var previous = Enumerable.Repeat(double.PositiveInfinity, tracked).ToArray();
        double[,] projected = new double[0, 0];
        for (var iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = basis.Count - fresh; i < basis.Count; i++)
            {
                var product = new double[dimension];
                multiply(basis[i], product);
                products.Add(product);
            }
            var m = basis.Count;
            var grown = new double[m, m];
            var old = projected.GetLength(0);
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j <= i; j++)
                {
                    grown[i, j] = grown[j, i] = i < old && j < old ? projected[i, j] : Dot(basis[j], products[i]);
                }
            }
            projected = grown;
            var eigen = JacobiEigensolver.Solve(projected);
            var count = Math.Min(tracked, m);
            var energies = new double[count];
            var residuals = new double[count];
            var corrections = new List<double[]>();
            var ritzVectors = new double[count][];
            var ritzProducts = new double[count][];
            var allConverged = true;
            for (var k = 0; k < count; k++)
            {
                var theta = eigen.Values[k];
                var x = new double[dimension];
                var ax = new double[dimension];
                for (var i = 0; i < m; i++)
                {
                    Axpy(eigen.Vectors[i, k], basis[i], x);
                    Axpy(eigen.Vectors[i, k], products[i], ax);
                }
                var r = new double[dimension];
                for (var e = 0L; e < dimension; e++)
                {
                    r[e] = ax[e] - theta * x[e];
                }
                energies[k] = theta;
                residuals[k] = Math.Sqrt(Dot(r, r));
                var converged = residuals[k] <= options.ResidualTolerance
                    && Math.Abs(theta - previous[k]) <= options.EnergyToleranceHartree;
                previous[k] = theta;
                ritzVectors[k] = x;
                ritzProducts[k] = ax;
                if (converged || m == span)
                {
                    continue;
                }
                allConverged = false;
                for (var e = 0L; e < dimension; e++)
                {
                    var denominator = theta - diagonal[e];
                    if (Math.Abs(denominator) < 1e-8)
                    {
                        denominator = denominator < 0 ? -1e-8 : 1e-8;
                    }
                    r[e] /= denominator;
                }
                project?.Invoke(r);
                corrections.Add(r);
            }
            progress?.Invoke(new DavidsonProgress(iteration, energies, residuals, clock.Elapsed));
            if (allConverged && count == tracked)
            {
                return [.. Enumerable.Range(0, count).Select(k =>
                    new DavidsonResult(energies[k], Normalised(ritzVectors[k]), iteration, residuals[k], 0.0))];
            }
            if (m + corrections.Count > maxSubspace)
            {
                basis.Clear();
                products.Clear();
                for (var k = 0; k < count; k++)
                {
                    basis.Add(ritzVectors[k]);
                    products.Add(ritzProducts[k]);
                }
                projected = new double[count, count];
                for (var i = 0; i < count; i++)
                {
                    for (var j = 0; j <= i; j++)
                    {
                        projected[i, j] = projected[j, i] = Dot(basis[j], products[i]);
                    }
                }
            }
            fresh = 0;
            foreach (var t in corrections)
            {
                if (Orthonormalised(t, basis) is { } v)
                {
                    basis.Add(v);
                    fresh++;
                }
            }
            // The vectors are large objects, dropped every iteration (Ritz vectors, residuals, a collapsed basis): the
            // GC let them pile up to several times what the solve holds (4 GB resident, measured, in the Ag block of
            // N2 / 6-31G with the core frozen), so large solves collect here.
            if (dimension >= LargeDimension)
            {
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect();
            }
            if (fresh == 0)
            {
                if (residuals.All(r => r <= options.ResidualTolerance))
                {
                    return [.. Enumerable.Range(0, count).Select(k =>
                        new DavidsonResult(energies[k], Normalised(ritzVectors[k]), iteration, residuals[k], 0.0))];
                }
                throw new InvalidOperationException(
                    $"Davidson cannot extend its subspace (largest residual {residuals.Max():E2}) after {iteration} iterations");
            }
        }
        throw new InvalidOperationException(
            $"Davidson did not converge in {options.MaxIterations} iterations (residual tolerance {options.ResidualTolerance:E1})");
    }

    private static double[]? Orthonormalised(double[] t, List<double[]> basis)
    {
        var before = Math.Sqrt(Dot(t, t));
        if (before == 0.0 || !double.IsFinite(before))
        {
            return null;
        }
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var v in basis)
            {
                Axpy(-Dot(v, t), v, t);
            }
        }
        var after = Math.Sqrt(Dot(t, t));
        if (after <= 1e-10 * before)
        {
            return null;
        }
        for (var k = 0L; k < t.LongLength; k++)
        {
            t[k] /= after;
        }
        return t;
    }

    private static double[] Normalised(double[] x)
    {
        var norm = Math.Sqrt(Dot(x, x));
        var largest = 0L;
        for (var k = 1L; k < x.LongLength; k++)
        {
            if (Math.Abs(x[k]) > Math.Abs(x[largest]))
            {
                largest = k;
            }
        }
        var scale = (x[largest] < 0 ? -1.0 : 1.0) / norm;
        for (var k = 0L; k < x.LongLength; k++)
        {
            x[k] *= scale;
        }
        return x;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var k = 0L; k < a.LongLength; k++)
        {
            sum += a[k] * b[k];
        }
        return sum;
    }

    private static void Axpy(double alpha, double[] x, double[] y)
    {
        for (var k = 0L; k < x.LongLength; k++)
        {
            y[k] += alpha * x[k];
        }
    }
}

/// <summary>One iteration of <see cref="BlockDavidson"/>: the tracked Ritz values, their residual norms and the time
/// since the start.</summary>
public sealed record DavidsonProgress(int Iteration, double[] EnergiesHartree, double[] Residuals, TimeSpan Elapsed)
{
    /// <summary>The irrep block being solved (ORBSYM label), or null for the whole space.</summary>
    public int? Irrep { get; init; }
}
