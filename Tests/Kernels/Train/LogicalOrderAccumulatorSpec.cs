using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class LogicalOrderAccumulatorSpec
{
    [Fact]
    public void Any_arrival_order_gives_the_bits_of_the_logical_order_mean()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, 7, 3);
        var random = new Random(5);
        var gradients = Enumerable.Range(0, 7)
            .Select(w => new WorkerGradient(w,
                Enumerable.Range(0, 1000).Select(_ => (float)(random.NextDouble() * Math.Pow(10, random.Next(-6, 6)))).ToArray(),
                1, 1, LogicalWorkerState.Initial(settings, w)))
            .ToArray();
        var expected = GradientReduction.MeanInLogicalOrder(gradients);
        for (var trial = 0; trial < 20; trial++)
        {
            var accumulator = new LogicalOrderAccumulator(7, 1000);
            foreach (var g in gradients.OrderBy(_ => random.Next()))
            {
                Assert.False(accumulator.IsComplete);
                accumulator.Add(g);
            }
            Assert.True(accumulator.IsComplete);
            Assert.Equal(expected, accumulator.Mean());
        }
        // Arrival-order float sums of the same numbers do differ: the order matters at these magnitudes.
        var arrival = new ArrivalOrderAccumulator(1000);
        foreach (var g in gradients.Reverse())
        {
            arrival.Add(g);
        }
        Assert.NotEqual(expected, arrival.Mean());
    }

    [Fact]
    public void Incomplete_duplicate_and_foreign_gradients_are_refused()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, 2, 3);
        var accumulator = new LogicalOrderAccumulator(2, 3);
        accumulator.Add(new WorkerGradient(1, [1, 2, 3], 0, 1, LogicalWorkerState.Initial(settings, 1)));
        Assert.Throws<InvalidOperationException>(() => accumulator.Mean());
        Assert.Throws<ArgumentException>(() => accumulator.Add(new WorkerGradient(1, [1, 2, 3], 0, 1, LogicalWorkerState.Initial(settings, 1))));
        Assert.Throws<ArgumentException>(() => accumulator.Add(new WorkerGradient(2, [1, 2, 3], 0, 1, LogicalWorkerState.Initial(settings, 1))));
        Assert.Throws<ArgumentException>(() => accumulator.Add(new WorkerGradient(0, [1, 2], 0, 1, LogicalWorkerState.Initial(settings, 0))));
    }
}
