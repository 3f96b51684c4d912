using Dataflow.Kernels.Scheduling;
using Xunit;

namespace Dataflow.Tests.Kernels.Scheduling;

public sealed class ProportionalPlacementSpec
{
    [Theory]
    [InlineData(8, new[] { 1.0, 1.0 }, new[] { 4, 4 })]
    [InlineData(8, new[] { 3.0, 1.0 }, new[] { 6, 2 })]
    [InlineData(7, new[] { 1.0, 1.0, 1.0 }, new[] { 3, 2, 2 })]
    [InlineData(10, new[] { 5.0, 3.0, 2.0 }, new[] { 5, 3, 2 })]
    // Largest remainder: 4 * (0.5, 0.3, 0.2) = (2, 1.2, 0.8) -> (2, 1, 1).
    [InlineData(4, new[] { 5.0, 3.0, 2.0 }, new[] { 2, 1, 1 })]
    // A slow node still gets a worker while workers remain.
    [InlineData(3, new[] { 100.0, 100.0, 1.0 }, new[] { 1, 1, 1 })]
    // More nodes than workers: the fastest (then the first) get them.
    [InlineData(2, new[] { 1.0, 3.0, 2.0 }, new[] { 0, 1, 1 })]
    // A node reporting no throughput gets nothing.
    [InlineData(4, new[] { 1.0, 0.0 }, new[] { 4, 0 })]
    public void Counts_follow_throughput_by_largest_remainder(int workers, double[] throughputs, int[] expected)
    {
        Assert.Equal(expected, ProportionalPlacement.Counts(workers, throughputs));
    }

    [Fact]
    public void Workers_are_handed_out_in_contiguous_blocks_of_logical_ids()
    {
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 2, 2 }, ProportionalPlacement.Assign(7, [1.0, 1.0, 1.0]));
    }

    [Fact]
    public void Counts_always_sum_to_the_worker_count()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 500; trial++)
        {
            var nodes = random.Next(1, 9);
            var workers = random.Next(1, 40);
            var throughputs = Enumerable.Range(0, nodes).Select(_ => random.NextDouble() * 10 + 0.01).ToArray();
            var counts = ProportionalPlacement.Counts(workers, throughputs);
            Assert.Equal(workers, counts.Sum());
            // Never more than one worker away from the exact proportional share.
            for (var i = 0; i < nodes; i++)
            {
                var exact = workers * throughputs[i] / throughputs.Sum();
                Assert.InRange(counts[i], Math.Floor(exact) - 1, Math.Ceiling(exact) + 1);
            }
        }
    }

    [Fact]
    public void No_usable_node_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => ProportionalPlacement.Counts(4, []));
        Assert.Throws<ArgumentException>(() => ProportionalPlacement.Counts(4, [0.0, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProportionalPlacement.Assign(0, [1.0]));
    }
}
