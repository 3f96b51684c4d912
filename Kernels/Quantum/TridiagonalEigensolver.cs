namespace Dataflow.Kernels.Quantum;

/// <summary>Dense symmetric eigensolver by Householder reduction to tridiagonal form and the implicit QL
/// algorithm: O(n^3), for exact diagonalisation of small CI matrices (a few thousand determinants).</summary>
/// <remarks>The EISPACK routines tred2 and tql2 (Wilkinson and Reinsch, Handbook for Automatic Computation II,
/// Linear Algebra, 1971, contributions II/2 and II/3), in the 0-based form of the public-domain JAMA library.
/// Independent of <see cref="JacobiEigensolver"/>, which tests check it against.</remarks>
public static class TridiagonalEigensolver
{
    private const int MaxIterationsPerEigenvalue = 100;

    /// <summary>All eigenpairs of the symmetric matrix <paramref name="matrix"/> (only read, never changed).</summary>
    /// <exception cref="ArgumentException">The matrix is not square.</exception>
    /// <exception cref="InvalidOperationException">QL did not converge.</exception>
    public static SymmetricEigensystem Solve(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n)
        {
            throw new ArgumentException("the matrix is not square", nameof(matrix));
        }
        if (n == 0)
        {
            return new SymmetricEigensystem([], new double[0, 0]);
        }
        // Jagged rows for the reduction; the QL sweep then works on the transpose, whose rows are the
        // eigenvectors, so that each plane rotation runs over contiguous memory.
        var v = new double[n][];
        for (var i = 0; i < n; i++)
        {
            v[i] = new double[n];
            for (var j = 0; j < n; j++)
            {
                v[i][j] = matrix[i, j];
            }
        }
        var d = new double[n];
        var e = new double[n];
        Tridiagonalize(v, d, e);
        var z = new double[n][];
        for (var i = 0; i < n; i++)
        {
            z[i] = new double[n];
            for (var k = 0; k < n; k++)
            {
                z[i][k] = v[k][i];
            }
        }
        DiagonalizeTridiagonal(z, d, e);
        var vectors = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                vectors[k, i] = z[i][k];
            }
        }
        return new SymmetricEigensystem(d, vectors);
    }

    // Householder reduction: on return d is the diagonal, e[1..] the subdiagonal, v the accumulated transform.
    private static void Tridiagonalize(double[][] v, double[] d, double[] e)
    {
        var n = d.Length;
        for (var j = 0; j < n; j++)
        {
            d[j] = v[n - 1][j];
        }
        for (var i = n - 1; i > 0; i--)
        {
            var scale = 0.0;
            var h = 0.0;
            for (var k = 0; k < i; k++)
            {
                scale += Math.Abs(d[k]);
            }
            if (scale == 0.0)
            {
                e[i] = d[i - 1];
                for (var j = 0; j < i; j++)
                {
                    d[j] = v[i - 1][j];
                    v[i][j] = 0.0;
                    v[j][i] = 0.0;
                }
            }
            else
            {
                for (var k = 0; k < i; k++)
                {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                var f = d[i - 1];
                var g = Math.Sqrt(h);
                if (f > 0)
                {
                    g = -g;
                }
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (var j = 0; j < i; j++)
                {
                    e[j] = 0.0;
                }
                for (var j = 0; j < i; j++)
                {
                    f = d[j];
                    v[j][i] = f;
                    g = e[j] + v[j][j] * f;
                    for (var k = j + 1; k <= i - 1; k++)
                    {
                        g += v[k][j] * d[k];
                        e[k] += v[k][j] * f;
                    }
                    e[j] = g;
                }
                f = 0.0;
                for (var j = 0; j < i; j++)
                {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                var hh = f / (h + h);
                for (var j = 0; j < i; j++)
                {
                    e[j] -= hh * d[j];
                }
                for (var j = 0; j < i; j++)
                {
                    f = d[j];
                    g = e[j];
                    for (var k = j; k <= i - 1; k++)
                    {
                        v[k][j] -= f * e[k] + g * d[k];
                    }
                    d[j] = v[i - 1][j];
                    v[i][j] = 0.0;
                }
            }
            d[i] = h;
        }

        // Accumulate the transformations.
        for (var i = 0; i < n - 1; i++)
        {
            v[n - 1][i] = v[i][i];
            v[i][i] = 1.0;
            var h = d[i + 1];
            if (h != 0.0)
            {
                for (var k = 0; k <= i; k++)
                {
                    d[k] = v[k][i + 1] / h;
                }
                for (var j = 0; j <= i; j++)
                {
                    var g = 0.0;
                    for (var k = 0; k <= i; k++)
                    {
                        g += v[k][i + 1] * v[k][j];
                    }
                    for (var k = 0; k <= i; k++)
                    {
                        v[k][j] -= g * d[k];
                    }
                }
            }
            for (var k = 0; k <= i; k++)
            {
                v[k][i + 1] = 0.0;
            }
        }
        for (var j = 0; j < n; j++)
        {
            d[j] = v[n - 1][j];
            v[n - 1][j] = 0.0;
        }
        v[n - 1][n - 1] = 1.0;
        e[0] = 0.0;
    }

    // Implicit QL with Wilkinson-type shifts on the tridiagonal (d, e), rotating the eigenvector rows z along;
    // sorts at the end.
    private static void DiagonalizeTridiagonal(double[][] z, double[] d, double[] e)
    {
        var n = d.Length;
        for (var i = 1; i < n; i++)
        {
            e[i - 1] = e[i];
        }
        e[n - 1] = 0.0;
        var f = 0.0;
        var tst1 = 0.0;
        var eps = Math.Pow(2.0, -52.0);
        for (var l = 0; l < n; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            var m = l;
            while (m < n && Math.Abs(e[m]) > eps * tst1)
            {
                m++;
            }
            if (m > l)
            {
                var iterations = 0;
                do
                {
                    if (++iterations > MaxIterationsPerEigenvalue)
                    {
                        throw new InvalidOperationException("QL iteration did not converge");
                    }
                    var g = d[l];
                    var p = (d[l + 1] - g) / (2.0 * e[l]);
                    var r = Hypot(p, 1.0);
                    if (p < 0)
                    {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    var dl1 = d[l + 1];
                    var h = g - d[l];
                    for (var i = l + 2; i < n; i++)
                    {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[m];
                    var c = 1.0;
                    var c2 = c;
                    var c3 = c;
                    var el1 = e[l + 1];
                    var s = 0.0;
                    var s2 = 0.0;
                    for (var i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        var zi = z[i];
                        var zi1 = z[i + 1];
                        for (var k = 0; k < n; k++)
                        {
                            h = zi1[k];
                            zi1[k] = s * zi[k] + c * h;
                            zi[k] = c * zi[k] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                }
                while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0.0;
        }

        // Selection sort into ascending order, moving the vectors along.
        for (var i = 0; i < n - 1; i++)
        {
            var k = i;
            var p = d[i];
            for (var j = i + 1; j < n; j++)
            {
                if (d[j] < p)
                {
                    k = j;
                    p = d[j];
                }
            }
            if (k != i)
            {
                d[k] = d[i];
                d[i] = p;
                (z[i], z[k]) = (z[k], z[i]);
            }
        }
    }

    private static double Hypot(double a, double b)
    {
        // sqrt(a^2 + b^2) without overflow or destructive underflow.
        var x = Math.Abs(a);
        var y = Math.Abs(b);
        if (x < y)
        {
            (x, y) = (y, x);
        }
        if (x == 0.0)
        {
            return 0.0;
        }
        var ratio = y / x;
        return x * Math.Sqrt(1.0 + ratio * ratio);
    }
}
