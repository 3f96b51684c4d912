namespace Dataflow.Kernels.Scheduling;

/// <summary>Assigns a job's logical workers to nodes in proportion to each node's measured throughput.</summary>
/// <remarks>
/// EasyScale's intra-job scheduling (arXiv 2208.14228, section 4), simplified to one resource type: node i
/// receives round(N * t_i / sum t) workers by the largest-remainder method (ties to the earlier node), every
/// node with positive throughput gets at least one worker while workers remain, and workers are handed out in
/// contiguous blocks of logical ids in the given node order. The result depends only on its inputs, so every
/// observer computes the same placement. Where a worker runs never changes what it computes.
/// </remarks>
public static class ProportionalPlacement
{
    /// <summary>Returns, for each logical worker id, the index of the node that runs it.</summary>
    /// <param name="logicalWorkers">Number of logical workers, at least 1.</param>
    /// <param name="throughputs">Relative throughput per node (work items per second); at least one positive.</param>
    public static int[] Assign(int logicalWorkers, IReadOnlyList<double> throughputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(logicalWorkers, 1);
        var counts = Counts(logicalWorkers, throughputs);
        var result = new int[logicalWorkers];
        var next = 0;
        for (var node = 0; node < counts.Length; node++)
        {
            for (var k = 0; k < counts[node]; k++)
            {
                result[next++] = node;
            }
        }
        return result;
    }

    /// <summary>Number of logical workers each node receives (sums to <paramref name="logicalWorkers"/>).</summary>
    public static int[] Counts(int logicalWorkers, IReadOnlyList<double> throughputs)
    {
        if (throughputs.Count == 0)
        {
            throw new ArgumentException("no nodes to place logical workers on", nameof(throughputs));
        }
        var weights = throughputs.Select(t => double.IsFinite(t) && t > 0 ? t : 0).ToArray();
        var total = weights.Sum();
        if (total <= 0)
        {
            throw new ArgumentException("no node has a positive throughput", nameof(throughputs));
        }
        var counts = new int[weights.Length];
        var remainders = new double[weights.Length];
        var assigned = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = logicalWorkers * weights[i] / total;
            counts[i] = (int)Math.Floor(exact);
            remainders[i] = exact - counts[i];
            assigned += counts[i];
        }
        // Largest remainder first; a node that would get nothing is served before others of equal remainder.
        var order = Enumerable.Range(0, weights.Length)
            .Where(i => weights[i] > 0)
            .OrderByDescending(i => counts[i] == 0 ? 1 : 0)
            .ThenByDescending(i => remainders[i])
            .ThenBy(i => i)
            .ToArray();
        for (var k = 0; assigned < logicalWorkers; k = (k + 1) % order.Length)
        {
            counts[order[k]]++;
            assigned++;
        }
        return counts;
    }
}
