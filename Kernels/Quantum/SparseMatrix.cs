namespace Dataflow.Kernels.Quantum;

/// <summary>A square sparse matrix in compressed sparse row (CSR) form, every stored entry explicit (a symmetric
/// matrix stores both triangles), with a parallel matrix-vector product.</summary>
/// <remarks>The product sums each row in its stored order on one thread, so the result does not depend on how
/// rows are spread over threads: it is bitwise reproducible.</remarks>
public sealed class SparseMatrix
{
    private readonly long[] _rowStarts;
    private readonly int[] _columns;
    private readonly double[] _values;

    /// <summary>Wraps CSR arrays without copying.</summary>
    /// <param name="rowStarts">Row r's entries are <c>[rowStarts[r], rowStarts[r + 1])</c>; length rows + 1.</param>
    /// <param name="columns">Column of each entry.</param>
    /// <param name="values">Value of each entry.</param>
    public SparseMatrix(long[] rowStarts, int[] columns, double[] values)
    {
        ArgumentNullException.ThrowIfNull(rowStarts);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        if (rowStarts.Length == 0 || rowStarts[0] != 0 || rowStarts[^1] != columns.Length || columns.Length != values.Length)
        {
            throw new ArgumentException("inconsistent CSR arrays");
        }
        _rowStarts = rowStarts;
        _columns = columns;
        _values = values;
        Dimension = rowStarts.Length - 1;
    }

    /// <summary>Number of rows and columns.</summary>
    public int Dimension { get; }

    /// <summary>Number of stored entries.</summary>
    public long NonZeroCount => _columns.LongLength;

    /// <summary>Start of each row's entries, plus the end.</summary>
    public ReadOnlySpan<long> RowStarts => _rowStarts;

    /// <summary>Column of each entry.</summary>
    public ReadOnlySpan<int> Columns => _columns;

    /// <summary>Value of each entry.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>The stored value at (<paramref name="row"/>, <paramref name="column"/>), 0 when none is stored
    /// (summed if the row stores the column more than once).</summary>
    public double this[int row, int column]
    {
        get
        {
            var sum = 0.0;
            for (var e = _rowStarts[row]; e < _rowStarts[row + 1]; e++)
            {
                if (_columns[e] == column)
                {
                    sum += _values[e];
                }
            }
            return sum;
        }
    }

    /// <summary>A copy with <paramref name="shift"/> added to every stored diagonal entry.</summary>
    public SparseMatrix WithDiagonalShift(double shift)
    {
        var values = (double[])_values.Clone();
        for (var r = 0; r < Dimension; r++)
        {
            for (var e = _rowStarts[r]; e < _rowStarts[r + 1]; e++)
            {
                if (_columns[e] == r)
                {
                    values[e] += shift;
                }
            }
        }
        return new SparseMatrix(_rowStarts, _columns, values);
    }

    /// <summary>The diagonal.</summary>
    public double[] Diagonal()
    {
        var diagonal = new double[Dimension];
        for (var r = 0; r < Dimension; r++)
        {
            diagonal[r] = this[r, r];
        }
        return diagonal;
    }

    /// <summary>y = A x.</summary>
    /// <param name="x">Input, length <see cref="Dimension"/>.</param>
    /// <param name="y">Output, length <see cref="Dimension"/>; must not be <paramref name="x"/>.</param>
    /// <param name="maxDegreeOfParallelism">Most threads to use; -1 for no limit.</param>
    /// <param name="cancellationToken">Checked between chunks of rows; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public void Multiply(double[] x, double[] y, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length != Dimension || y.Length != Dimension || ReferenceEquals(x, y))
        {
            throw new ArgumentException($"expected two distinct vectors of length {Dimension}");
        }
        const int RowsPerChunk = 512;
        var chunks = (Dimension + RowsPerChunk - 1) / RowsPerChunk;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, chunks, parallel, chunk =>
        {
            var end = Math.Min(Dimension, (chunk + 1) * RowsPerChunk);
            for (var r = chunk * RowsPerChunk; r < end; r++)
            {
                var sum = 0.0;
                for (var e = _rowStarts[r]; e < _rowStarts[r + 1]; e++)
                {
                    sum += _values[e] * x[_columns[e]];
                }
                y[r] = sum;
            }
        });
    }

    /// <summary>The matrix as a dense array, for small dimensions.</summary>
    public double[,] ToDense()
    {
        var dense = new double[Dimension, Dimension];
        for (var r = 0; r < Dimension; r++)
        {
            for (var e = _rowStarts[r]; e < _rowStarts[r + 1]; e++)
            {
                dense[r, _columns[e]] += _values[e];
            }
        }
        return dense;
    }
}
