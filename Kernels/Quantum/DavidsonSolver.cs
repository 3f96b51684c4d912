namespace Dataflow.Kernels.Quantum;

/// <summary>Lowest eigenpair of a large sparse symmetric matrix by Davidson's method with the diagonal
/// preconditioner (E. R. Davidson, J. Comput. Phys. 17, 87 (1975)).</summary>
/// <remarks>
/// Each iteration: Rayleigh-Ritz in the orthonormal basis V (projected matrix diagonalised by
/// <see cref="JacobiEigensolver"/>), residual r = A x - theta x, correction t_k = r_k / (theta - A_kk),
/// orthogonalised twice against V (classical Gram-Schmidt repeated, "twice is enough") and appended. When V
/// reaches <see cref="DavidsonOptions.MaxSubspace"/> vectors it collapses to the current Ritz vector. Starts from
/// the unit vector of the lowest diagonal element (the Hartree-Fock determinant for a CI matrix). All reductions
/// run in a fixed order, so the result is bitwise reproducible.
/// </remarks>
public static class DavidsonSolver
{
    /// <summary>The lowest eigenvalue and its eigenvector.</summary>
    /// <exception cref="InvalidOperationException">Not converged within <see cref="DavidsonOptions.MaxIterations"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked in
    /// every iteration and inside each matrix-vector product).</exception>
    public static DavidsonResult Lowest(SparseMatrix matrix, DavidsonOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        options ??= DavidsonOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSubspace, 2, nameof(options));
        var n = matrix.Dimension;
        ArgumentOutOfRangeException.ThrowIfZero(n, nameof(matrix));
        var diagonal = matrix.Diagonal();
        var maxSubspace = Math.Min(options.MaxSubspace, n);
        var basis = new List<double[]>(maxSubspace);
        var products = new List<double[]>(maxSubspace);
        var projected = new double[maxSubspace, maxSubspace];

        var start = 0;
        for (var k = 1; k < n; k++)
        {
            if (diagonal[k] < diagonal[start])
            {
                start = k;
            }
        }
        var next = new double[n];
        next[start] = 1.0;
        var theta = double.PositiveInfinity;
        var ritz = new double[n];
        var ritzProduct = new double[n];
        var residual = new double[n];
        var residualNorm = double.PositiveInfinity;
        var change = double.PositiveInfinity;
        for (var iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var product = new double[n];
            matrix.Multiply(next, product, options.MaxDegreeOfParallelism, cancellationToken);
            basis.Add(next);
            products.Add(product);
            var m = basis.Count;
            for (var i = 0; i < m; i++)
            {
                projected[i, m - 1] = projected[m - 1, i] = Dot(basis[i], product);
            }

            var small = new double[m, m];
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < m; j++)
                {
                    small[i, j] = projected[i, j];
                }
            }
            var eigen = JacobiEigensolver.Solve(small);
            change = Math.Abs(eigen.Values[0] - theta);
            theta = eigen.Values[0];
            Array.Clear(ritz);
            Array.Clear(ritzProduct);
            for (var i = 0; i < m; i++)
            {
                var y = eigen.Vectors[i, 0];
                Axpy(y, basis[i], ritz);
                Axpy(y, products[i], ritzProduct);
            }
            for (var k = 0; k < n; k++)
            {
                residual[k] = ritzProduct[k] - theta * ritz[k];
            }
            residualNorm = Math.Sqrt(Dot(residual, residual));
            var exhausted = m == n;
            if ((residualNorm <= options.ResidualTolerance && change <= options.EnergyToleranceHartree) || exhausted)
            {
                return new DavidsonResult(theta, Normalised(ritz), iteration, residualNorm, exhausted ? 0.0 : change);
            }

            // Diagonal (Davidson) preconditioner; keep the denominator away from zero.
            var correction = new double[n];
            for (var k = 0; k < n; k++)
            {
                var denominator = theta - diagonal[k];
                if (Math.Abs(denominator) < 1e-8)
                {
                    denominator = denominator < 0 ? -1e-8 : 1e-8;
                }
                correction[k] = residual[k] / denominator;
            }

            if (m == maxSubspace)
            {
                // Collapse to the Ritz vector; its norm is 1 up to rounding, which the re-normalisation removes.
                var norm = Math.Sqrt(Dot(ritz, ritz));
                var x = new double[n];
                var ax = new double[n];
                for (var k = 0; k < n; k++)
                {
                    x[k] = ritz[k] / norm;
                    ax[k] = ritzProduct[k] / norm;
                }
                basis.Clear();
                products.Clear();
                basis.Add(x);
                products.Add(ax);
                projected[0, 0] = Dot(x, ax);
            }

            var extension = Orthonormalised(correction, basis) ?? Orthonormalised((double[])residual.Clone(), basis);
            if (extension is null)
            {
                // The subspace already holds an invariant subspace (the residual is rounding noise): nothing left
                // to add, and the Ritz value is as exact as the residual says.
                if (residualNorm <= options.ResidualTolerance)
                {
                    return new DavidsonResult(theta, Normalised(ritz), iteration, residualNorm, change);
                }
                throw new InvalidOperationException(
                    $"Davidson cannot extend its subspace (residual {residualNorm:E2}) after {iteration} iterations");
            }
            next = extension;
        }
        throw new InvalidOperationException(
            $"Davidson did not converge in {options.MaxIterations} iterations: residual {residualNorm:E2}, "
            + $"last eigenvalue change {change:E2}");
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
        for (var k = 0; k < t.Length; k++)
        {
            t[k] /= after;
        }
        return t;
    }

    private static double[] Normalised(double[] x)
    {
        var norm = Math.Sqrt(Dot(x, x));
        var largest = 0;
        for (var k = 1; k < x.Length; k++)
        {
            if (Math.Abs(x[k]) > Math.Abs(x[largest]))
            {
                largest = k;
            }
        }
        var scale = (x[largest] < 0 ? -1.0 : 1.0) / norm;
        var result = new double[x.Length];
        for (var k = 0; k < x.Length; k++)
        {
            result[k] = x[k] * scale;
        }
        return result;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var k = 0; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }
        return sum;
    }

    private static void Axpy(double alpha, double[] x, double[] y)
    {
        for (var k = 0; k < x.Length; k++)
        {
            y[k] += alpha * x[k];
        }
    }
}
