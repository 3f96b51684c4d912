using System.Buffers;
using System.Numerics;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>3-D complex FFT built from <see cref="ComplexFft"/> along x, then y, then z, parallel over lines.</summary>
/// <remarks>
/// Blocks of x lines are copied into interleaved order (line fastest) and transformed as one batch; the y axis is
/// done one xy plane at a time as nx interleaved sequences, and the z axis in blocks of neighbouring columns, so
/// every butterfly loop walks contiguous memory. Each line is transformed by the same code whatever the
/// thread count, so results are bitwise reproducible. Not safe for concurrent calls on one instance.
/// </remarks>
public sealed class ComplexFft3D : IComplexFft3D
{
    // Target size of one z-axis block's scratch, in elements (16 bytes each): about an L2 cache.
    private const int ZBlockElements = 16384;

    // Size of one x-axis block (lines times points per line), in elements.
    private const int XBlockElements = 2048;

    private readonly ComplexFft _x;
    private readonly ComplexFft _y;
    private readonly ComplexFft _z;
    private readonly int _zBlockColumns;
    private readonly ParallelOptions _parallel;

    /// <summary>Plans an nx x ny x nz transform.</summary>
    /// <param name="nx">Points along x (fastest).</param>
    /// <param name="ny">Points along y.</param>
    /// <param name="nz">Points along z.</param>
    /// <param name="maxDegreeOfParallelism">Most threads one transform uses; -1 for the default scheduler.</param>
    public ComplexFft3D(int nx, int ny, int nz, int maxDegreeOfParallelism = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nx, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ny, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nz, 1);
        Nx = nx;
        Ny = ny;
        Nz = nz;
        _x = new ComplexFft(nx);
        _y = ny == nx ? _x : new ComplexFft(ny);
        _z = nz == nx ? _x : nz == ny ? _y : new ComplexFft(nz);
        _zBlockColumns = Math.Clamp(ZBlockElements / nz, 1, nx * ny);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
    }

    /// <inheritdoc/>
    public int Nx { get; }

    /// <inheritdoc/>
    public int Ny { get; }

    /// <inheritdoc/>
    public int Nz { get; }

    /// <summary>Total number of mesh points.</summary>
    public int Count => Nx * Ny * Nz;

    /// <inheritdoc/>
    public void Forward(Complex[] data) => Transform(data, inverse: false);

    /// <inheritdoc/>
    public void Inverse(Complex[] data) => Transform(data, inverse: true);

    private void Transform(Complex[] data, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != Count)
        {
            throw new ArgumentException($"expected {Nx}x{Ny}x{Nz} = {Count} points, got {data.Length}");
        }
        var nx = Nx;
        var ny = Ny;
        var nz = Nz;
        var plane = nx * ny;
        if (nx > 1)
        {
            // x lines are contiguous, so a block of them is copied into interleaved order (line fastest) and
            // transformed as one batch, which keeps the butterflies' inner loops long and contiguous.
            var lines = ny * nz;
            var linesPerBlock = Math.Clamp(XBlockElements / nx, 1, lines);
            var blocks = (lines + linesPerBlock - 1) / linesPerBlock;
            ForEachBlock(blocks, 2 * linesPerBlock * nx, (block, work) =>
            {
                var first = block * linesPerBlock;
                var width = Math.Min(linesPerBlock, lines - first);
                var interleavedLength = width * nx;
                for (var b = 0; b < width; b++)
                {
                    var source = (first + b) * nx;
                    for (var j = 0; j < nx; j++)
                    {
                        work[b + (width * j)] = data[source + j];
                    }
                }
                _x.TransformBatch(work, 0, width, width, work, interleavedLength, inverse);
                for (var b = 0; b < width; b++)
                {
                    var target = (first + b) * nx;
                    for (var j = 0; j < nx; j++)
                    {
                        data[target + j] = work[b + (width * j)];
                    }
                }
            });
        }
        if (ny > 1)
        {
            ForEachBlock(nz, plane, (z, work) => _y.TransformBatch(data, z * plane, nx, nx, work, inverse));
        }
        if (nz > 1)
        {
            var columns = _zBlockColumns;
            var blocks = (plane + columns - 1) / columns;
            ForEachBlock(blocks, columns * nz, (block, work) =>
            {
                var start = block * columns;
                var width = Math.Min(columns, plane - start);
                _z.TransformBatch(data, start, plane, width, work, inverse);
            });
        }
    }

    private void ForEachBlock(int blocks, int workLength, Action<int, Complex[]> body)
    {
        if (blocks == 1 || _parallel.MaxDegreeOfParallelism == 1)
        {
            var work = ArrayPool<Complex>.Shared.Rent(workLength);
            for (var block = 0; block < blocks; block++)
            {
                body(block, work);
            }
            ArrayPool<Complex>.Shared.Return(work);
            return;
        }
        Parallel.For(
            0,
            blocks,
            _parallel,
            () => ArrayPool<Complex>.Shared.Rent(workLength),
            (block, _, work) =>
            {
                body(block, work);
                return work;
            },
            work => ArrayPool<Complex>.Shared.Return(work));
    }
}
