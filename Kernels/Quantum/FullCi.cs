using System.Diagnostics;

namespace Dataflow.Kernels.Quantum;

/// <summary>Exact diagonalisation of a molecular Hamiltonian in the full determinant space of one
/// (N_alpha, N_beta) sector: sparse Hamiltonian in CSR, built in parallel, and Davidson for the ground state.</summary>
/// <remarks>Rows come from <see cref="MolecularHamiltonian.Connected{T}(T, Span{T}, Span{double})"/>: each row is
/// its diagonal followed by the nonzero single and double excitations, located by
/// <see cref="CiSpace{T}.IndexOf"/>. Rows are independent, so the matrix is the same bits however many threads
/// built it.</remarks>
public static class FullCi
{
    /// <summary>Most determinants <see cref="BuildDenseHamiltonian{T}"/> accepts.</summary>
    public const int MaxDenseDimension = 5000;

    /// <summary>The ground state of the FCIDUMP's own sector (NELEC, MS2).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (it is checked
    /// every few rows of the build and in every Davidson iteration).</exception>
    public static FullCiResult<T> Solve<T>(Fcidump fcidump, DavidsonOptions? options = null,
        CancellationToken cancellationToken = default)
        where T : unmanaged, IDeterminant<T>
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        return Solve<T>(MolecularHamiltonian.FromFcidump(fcidump), fcidump.AlphaCount, fcidump.BetaCount, options,
            cancellationToken);
    }

    /// <summary>The ground state with <paramref name="alphaCount"/> alpha and <paramref name="betaCount"/> beta
    /// electrons, by Davidson on the sparse Hamiltonian.</summary>
    /// <exception cref="InvalidOperationException">Davidson did not converge.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static FullCiResult<T> Solve<T>(
        MolecularHamiltonian hamiltonian, int alphaCount, int betaCount, DavidsonOptions? options = null,
        CancellationToken cancellationToken = default)
        where T : unmanaged, IDeterminant<T>
    {
        ArgumentNullException.ThrowIfNull(hamiltonian);
        options ??= DavidsonOptions.Default;
        var clock = Stopwatch.StartNew();
        var space = new CiSpace<T>(hamiltonian.OrbitalCount, alphaCount, betaCount);
        var matrix = BuildHamiltonian(hamiltonian, space, options.MaxDegreeOfParallelism, cancellationToken);
        var built = clock.Elapsed;
        var ground = DavidsonSolver.Lowest(matrix, options, cancellationToken);
        return new FullCiResult<T>
        {
            EnergyHartree = ground.Eigenvalue,
            Space = space,
            Coefficients = ground.Eigenvector,
            NonZeroCount = matrix.NonZeroCount,
            Iterations = ground.Iterations,
            ResidualNorm = ground.ResidualNorm,
            BuildTime = built,
            SolveTime = clock.Elapsed - built,
        };
    }

    /// <summary>The ground state by dense diagonalisation (Householder tridiagonalisation and QL) of the matrix of
    /// <see cref="MolecularHamiltonian.Element{T}"/>: an independent check of <see cref="Solve{T}(MolecularHamiltonian, int, int, DavidsonOptions?, CancellationToken)"/>
    /// for small sectors.</summary>
    public static FullCiResult<T> SolveDense<T>(MolecularHamiltonian hamiltonian, int alphaCount, int betaCount)
        where T : unmanaged, IDeterminant<T>
    {
        ArgumentNullException.ThrowIfNull(hamiltonian);
        var clock = Stopwatch.StartNew();
        var space = new CiSpace<T>(hamiltonian.OrbitalCount, alphaCount, betaCount);
        var dense = BuildDenseHamiltonian(hamiltonian, space);
        var built = clock.Elapsed;
        var eigen = TridiagonalEigensolver.Solve(dense);
        var vector = eigen.Vector(0);
        var largest = 0;
        for (var k = 1; k < vector.Length; k++)
        {
            if (Math.Abs(vector[k]) > Math.Abs(vector[largest]))
            {
                largest = k;
            }
        }
        if (vector[largest] < 0)
        {
            for (var k = 0; k < vector.Length; k++)
            {
                vector[k] = -vector[k];
            }
        }
        var residual = 0.0;
        for (var i = 0; i < vector.Length; i++)
        {
            var row = -eigen.Values[0] * vector[i];
            for (var j = 0; j < vector.Length; j++)
            {
                row += dense[i, j] * vector[j];
            }
            residual += row * row;
        }
        return new FullCiResult<T>
        {
            EnergyHartree = eigen.Values[0],
            Space = space,
            Coefficients = vector,
            NonZeroCount = 0,
            Iterations = 0,
            ResidualNorm = Math.Sqrt(residual),
            BuildTime = built,
            SolveTime = clock.Elapsed - built,
        };
    }

    /// <summary>The Hamiltonian of <paramref name="space"/> as a CSR matrix (both triangles, core energy on the
    /// diagonal), built in parallel.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked
    /// between chunks of 64 rows).</exception>
    public static SparseMatrix BuildHamiltonian<T>(
        MolecularHamiltonian hamiltonian, CiSpace<T> space, int maxDegreeOfParallelism = -1,
        CancellationToken cancellationToken = default)
        where T : unmanaged, IDeterminant<T>
    {
        ArgumentNullException.ThrowIfNull(hamiltonian);
        ArgumentNullException.ThrowIfNull(space);
        if (space.OrbitalCount != hamiltonian.OrbitalCount)
        {
            throw new ArgumentException("the space and the Hamiltonian have different orbital counts", nameof(space));
        }
        var dimension = space.Dimension;
        var slots = MolecularHamiltonian.ExcitationCount(space.OrbitalCount, space.AlphaCount, space.BetaCount);
        const int RowsPerChunk = 64;
        var chunks = (dimension + RowsPerChunk - 1) / RowsPerChunk;
        var chunkColumns = new int[chunks][];
        var chunkValues = new double[chunks][];
        var rowLengths = new int[dimension];
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = maxDegreeOfParallelism,
            CancellationToken = cancellationToken,
        };
        Parallel.For(
            0,
            chunks,
            parallel,
            () => new RowWorkspace<T>(slots),
            (chunk, _, workspace) =>
            {
                workspace.Columns.Clear();
                workspace.Values.Clear();
                var end = Math.Min(dimension, (chunk + 1) * RowsPerChunk);
                for (var row = chunk * RowsPerChunk; row < end; row++)
                {
                    var determinant = space[row];
                    workspace.Columns.Add(row);
                    workspace.Values.Add(hamiltonian.Diagonal(determinant));
                    var count = hamiltonian.Connected(determinant, workspace.Connected, workspace.Elements);
                    for (var k = 0; k < count; k++)
                    {
                        var column = space.IndexOf(workspace.Connected[k]);
                        if (column < 0)
                        {
                            throw new InvalidOperationException("an excitation left the sector; the Hamiltonian must conserve spin");
                        }
                        workspace.Columns.Add(column);
                        workspace.Values.Add(workspace.Elements[k]);
                    }
                    rowLengths[row] = count + 1;
                }
                chunkColumns[chunk] = [.. workspace.Columns];
                chunkValues[chunk] = [.. workspace.Values];
                return workspace;
            },
            _ => { });

        var rowStarts = new long[dimension + 1];
        for (var row = 0; row < dimension; row++)
        {
            rowStarts[row + 1] = rowStarts[row] + rowLengths[row];
        }
        var columns = new int[rowStarts[dimension]];
        var values = new double[rowStarts[dimension]];
        Parallel.For(0, chunks, parallel, chunk =>
        {
            var offset = rowStarts[chunk * RowsPerChunk];
            chunkColumns[chunk].CopyTo(columns, offset);
            chunkValues[chunk].CopyTo(values, offset);
        });
        return new SparseMatrix(rowStarts, columns, values);
    }

    /// <summary>The Hamiltonian of <paramref name="space"/> as a dense matrix of
    /// <see cref="MolecularHamiltonian.Element{T}"/>, for at most <see cref="MaxDenseDimension"/> determinants.</summary>
    public static double[,] BuildDenseHamiltonian<T>(MolecularHamiltonian hamiltonian, CiSpace<T> space)
        where T : unmanaged, IDeterminant<T>
    {
        ArgumentNullException.ThrowIfNull(hamiltonian);
        ArgumentNullException.ThrowIfNull(space);
        if (space.Dimension > MaxDenseDimension)
        {
            throw new ArgumentException(
                $"{space.Dimension} determinants are too many for a dense matrix (at most {MaxDenseDimension})", nameof(space));
        }
        var determinants = space.ToArray();
        var dense = new double[determinants.Length, determinants.Length];
        Parallel.For(0, determinants.Length, i =>
        {
            for (var j = 0; j < determinants.Length; j++)
            {
                dense[i, j] = hamiltonian.Element(determinants[i], determinants[j]);
            }
        });
        return dense;
    }

    private sealed class RowWorkspace<T>(int slots)
        where T : unmanaged, IDeterminant<T>
    {
        public T[] Connected { get; } = new T[slots];

        public double[] Elements { get; } = new double[slots];

        public List<int> Columns { get; } = [];

        public List<double> Values { get; } = [];
    }
}
