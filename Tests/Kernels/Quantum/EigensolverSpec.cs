using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Quantum;

public sealed class EigensolverSpec
{
    public static TheoryData<string> Solvers => new() { "jacobi", "householder-ql" };

    [Theory]
    [MemberData(nameof(Solvers))]
    public void The_second_difference_matrix_has_its_analytic_eigenvalues(string solver)
    {
        // tridiag(-1, 2, -1) of order n: lambda_k = 2 - 2 cos(k pi / (n + 1)), k = 1..n.
        const int N = 12;
        var matrix = new double[N, N];
        for (var i = 0; i < N; i++)
        {
            matrix[i, i] = 2;
            if (i > 0)
            {
                matrix[i, i - 1] = matrix[i - 1, i] = -1;
            }
        }
        var eigen = Solve(solver, matrix);
        for (var k = 1; k <= N; k++)
        {
            Assert.Equal(2 - 2 * Math.Cos(k * Math.PI / (N + 1)), eigen.Values[k - 1], 1e-13);
        }
        AssertEigenpairs(matrix, eigen);
    }

    [Theory]
    [MemberData(nameof(Solvers))]
    public void Degenerate_and_diagonal_matrices_are_handled(string solver)
    {
        var identity = new double[4, 4];
        for (var i = 0; i < 4; i++)
        {
            identity[i, i] = 3.0;
        }
        var eigen = Solve(solver, identity);
        Assert.All(eigen.Values, v => Assert.Equal(3.0, v, 1e-15));
        AssertEigenpairs(identity, eigen);

        var single = Solve(solver, new double[,] { { -1.5 } });
        Assert.Equal([-1.5], single.Values);
    }

    [Fact]
    public void Jacobi_and_Householder_QL_agree_on_a_random_symmetric_matrix()
    {
        const int N = 40;
        var random = new Random(3);
        var matrix = new double[N, N];
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                matrix[i, j] = matrix[j, i] = random.NextDouble() - 0.5;
            }
        }
        var jacobi = JacobiEigensolver.Solve(matrix);
        var ql = TridiagonalEigensolver.Solve(matrix);
        for (var k = 0; k < N; k++)
        {
            Assert.Equal(jacobi.Values[k], ql.Values[k], 1e-12);
        }
        AssertEigenpairs(matrix, jacobi);
        AssertEigenpairs(matrix, ql);
    }

    [Fact]
    public void Davidson_finds_the_lowest_eigenpair_of_a_sparse_matrix()
    {
        // A diagonally dominant random sparse matrix, checked against the dense Householder-QL solution.
        const int N = 300;
        var random = new Random(9);
        var dense = new double[N, N];
        for (var i = 0; i < N; i++)
        {
            dense[i, i] = i * 0.05 + random.NextDouble();
            for (var t = 0; t < 4; t++)
            {
                var j = random.Next(N);
                if (j != i)
                {
                    dense[i, j] = dense[j, i] = 0.1 * (random.NextDouble() - 0.5);
                }
            }
        }
        var rowStarts = new long[N + 1];
        var columns = new List<int>();
        var values = new List<double>();
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < N; j++)
            {
                if (dense[i, j] != 0.0)
                {
                    columns.Add(j);
                    values.Add(dense[i, j]);
                }
            }
            rowStarts[i + 1] = columns.Count;
        }
        var sparse = new SparseMatrix(rowStarts, [.. columns], [.. values]);
        var exact = TridiagonalEigensolver.Solve(dense);

        var davidson = DavidsonSolver.Lowest(sparse, new DavidsonOptions { MaxSubspace = 8 });

        Assert.Equal(exact.Values[0], davidson.Eigenvalue, 1e-11);
        var overlap = Enumerable.Range(0, N).Sum(k => exact.Vectors[k, 0] * davidson.Eigenvector[k]);
        Assert.Equal(1.0, Math.Abs(overlap), 1e-8);
        Assert.True(davidson.ResidualNorm <= 1e-7);
    }

    private static SymmetricEigensystem Solve(string solver, double[,] matrix) =>
        solver == "jacobi" ? JacobiEigensolver.Solve(matrix) : TridiagonalEigensolver.Solve(matrix);

    private static void AssertEigenpairs(double[,] matrix, SymmetricEigensystem eigen)
    {
        var n = eigen.Values.Length;
        for (var k = 0; k < n; k++)
        {
            Assert.True(k == 0 || eigen.Values[k] >= eigen.Values[k - 1], "eigenvalues ascend");
            for (var i = 0; i < n; i++)
            {
                var av = 0.0;
                for (var j = 0; j < n; j++)
                {
                    av += matrix[i, j] * eigen.Vectors[j, k];
                }
                Assert.Equal(eigen.Values[k] * eigen.Vectors[i, k], av, 1e-12);
            }
            for (var l = 0; l < n; l++)
            {
                var dot = 0.0;
                for (var i = 0; i < n; i++)
                {
                    dot += eigen.Vectors[i, k] * eigen.Vectors[i, l];
                }
                Assert.Equal(k == l ? 1.0 : 0.0, dot, 1e-12);
            }
        }
    }
}
