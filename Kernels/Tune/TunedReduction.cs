using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Tune;

/// <summary>The tunable row-sum reduction: sums[r] = sum_j x[r, j] of a single-precision matrix, in double.</summary>
/// <remarks>
/// The order of the additions is the schedule's, so schedules agree with <see cref="ReferenceKernels.RowSums"/> to a
/// relative 1e-6 of sum |x|, not bitwise. Knobs: <c>Vector</c> (0 or 1: widened vector sums), <c>Unroll</c>
/// (independent partial sums: 1, 2 or 4), <c>Chunk</c> (rows per parallel task), <c>Threads</c>.
/// </remarks>
public static class TunedReduction
{
    /// <summary>sums[r] = sum of row r of the rows x cols matrix.</summary>
    public static void Run(TuneSchedule s, int rows, int cols, float[] input, double[] sums)
    {
        if (input.Length < rows * cols || sums.Length < rows)
        {
            throw new ArgumentException($"buffers too short for {rows}x{cols}");
        }
        var chunk = s.Chunk <= 0 ? rows : s.Chunk;
        TuneParallel.For(TuneParallel.Units(rows, chunk), s.Threads, u =>
        {
            var end = Math.Min(rows, (u + 1) * chunk);
            for (var row = u * chunk; row < end; row++)
            {
                ref var x0 = ref MemoryMarshal.GetReference(input.AsSpan(row * cols, cols));
                sums[row] = s.Vector > 0
                    ? TunedSoftmax.VectorSum(ref x0, cols, s.Unroll)
                    : TunedSoftmax.ScalarSum(ref x0, cols, s.Unroll);
            }
        });
    }
}
