namespace Dataflow.Kernels.Quantum;

/// <summary>Dense symmetric eigensolver by cyclic Jacobi rotations: slow (O(n^3) per sweep) but simple and
/// accurate to working precision; for small matrices such as Davidson's projected one.</summary>
public static class JacobiEigensolver
{
    private const int MaxSweeps = 100;

    /// <summary>All eigenpairs of the symmetric matrix <paramref name="matrix"/> (only read, never changed).</summary>
    /// <exception cref="ArgumentException">The matrix is not square.</exception>
    /// <exception cref="InvalidOperationException">No convergence within 100 sweeps.</exception>
    public static SymmetricEigensystem Solve(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n)
        {
            throw new ArgumentException("the matrix is not square", nameof(matrix));
        }
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        var frobenius = 0.0;
        for (var i = 0; i < n; i++)
        {
            v[i, i] = 1.0;
            for (var j = 0; j < n; j++)
            {
                frobenius += a[i, j] * a[i, j];
            }
        }
        var converged = false;
        for (var sweep = 0; sweep < MaxSweeps && !converged; sweep++)
        {
            var offDiagonal = 0.0;
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    offDiagonal += a[p, q] * a[p, q];
                }
            }
            if (offDiagonal <= 1e-32 * frobenius || offDiagonal == 0.0)
            {
                converged = true;
                break;
            }
            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    if (a[p, q] != 0.0)
                    {
                        Rotate(a, v, p, q);
                    }
                }
            }
        }
        if (!converged)
        {
            throw new InvalidOperationException($"Jacobi eigensolver did not converge in {MaxSweeps} sweeps");
        }
        return Sorted(a, v);
    }

    // One rotation J(p, q, theta) with A <- J^T A J zeroing a_pq (Golub and Van Loan, Matrix Computations,
    // 4th ed., Algorithm 8.5.1 sym.schur2 and 8.5.3 cyclic Jacobi).
    private static void Rotate(double[,] a, double[,] v, int p, int q)
    {
        var n = a.GetLength(0);
        var tau = (a[q, q] - a[p, p]) / (2.0 * a[p, q]);
        var t = (tau >= 0 ? 1.0 : -1.0) / (Math.Abs(tau) + Math.Sqrt(1.0 + tau * tau));
        var c = 1.0 / Math.Sqrt(1.0 + t * t);
        var s = t * c;
        for (var k = 0; k < n; k++)
        {
            var akp = a[k, p];
            var akq = a[k, q];
            a[k, p] = c * akp - s * akq;
            a[k, q] = s * akp + c * akq;
        }
        for (var k = 0; k < n; k++)
        {
            var apk = a[p, k];
            var aqk = a[q, k];
            a[p, k] = c * apk - s * aqk;
            a[q, k] = s * apk + c * aqk;
        }
        a[p, q] = 0.0;
        a[q, p] = 0.0;
        for (var k = 0; k < n; k++)
        {
            var vkp = v[k, p];
            var vkq = v[k, q];
            v[k, p] = c * vkp - s * vkq;
            v[k, q] = s * vkp + c * vkq;
        }
    }

    private static SymmetricEigensystem Sorted(double[,] a, double[,] v)
    {
        var n = a.GetLength(0);
        var order = Enumerable.Range(0, n).OrderBy(i => a[i, i]).ThenBy(i => i).ToArray();
        var values = new double[n];
        var vectors = new double[n, n];
        for (var k = 0; k < n; k++)
        {
            values[k] = a[order[k], order[k]];
            for (var i = 0; i < n; i++)
            {
                vectors[i, k] = v[i, order[k]];
            }
        }
        return new SymmetricEigensystem(values, vectors);
    }
}
