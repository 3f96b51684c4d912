using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class TrainLoopSpec
{
    [Theory]
    [InlineData(TrainModelKind.Mlp, 40)]
    [InlineData(TrainModelKind.Cnn, 40)]
    public void Training_reduces_the_loss_with_four_logical_workers(TrainModelKind kind, int steps)
    {
        var settings = new TrainSettings(kind, LogicalWorkers: 4, Seed: 7, LearningRate: 1e-2, WarmupSteps: 5);
        using var worker = new GradientWorker(settings);
        var (final, losses) = TrainLoop.Run(settings, steps, worker);
        var lastFive = losses[^5..].Average();
        Assert.True(lastFive < 0.8 * losses[0], $"first loss {losses[0]:F3}, mean of last five {lastFive:F3}");
        Assert.Equal(steps, final.Step);
        Assert.Equal(steps, final.AdamStep);
        Assert.All(final.Workers, w => Assert.Equal(steps * settings.BatchPerWorker % WorkerDataOrder.ShardSize(settings, w.WorkerId), w.Cursor));
    }

    [Fact]
    public void Resuming_from_checkpoint_bytes_gives_the_same_weights_as_running_straight()
    {
        var settings = new TrainSettings(TrainModelKind.Cnn, LogicalWorkers: 3, Seed: 99, BatchPerWorker: 8, DatasetSize: 96);
        using var worker = new GradientWorker(settings);
        var (straight, _) = TrainLoop.Run(settings, 20, worker);

        var (half, _) = TrainLoop.Run(settings, 10, worker);
        var bytes = half.ToBytes();
        using var freshWorker = new GradientWorker(settings);   // as if on another node after a restart
        var (resumed, _) = TrainLoop.Run(TrainCheckpoint.FromBytes(bytes), settings, 10, freshWorker);

        Assert.Equal(TrainCheckpoint.WeightsSha256(straight.Parameters), TrainCheckpoint.WeightsSha256(resumed.Parameters));
        Assert.Equal(straight.ToBytes(), resumed.ToBytes());
        // 20 batches of 8 from a shard of 32 crossed epochs, so epoch handling is exercised too.
        Assert.All(resumed.Workers, w => Assert.Equal(5, w.Epoch));
        Assert.NotEqual(TrainCheckpoint.WeightsSha256(half.Parameters), TrainCheckpoint.WeightsSha256(resumed.Parameters));
    }

    [Fact]
    public void Result_does_not_depend_on_which_instance_computes_which_worker_or_in_what_order()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 4, Seed: 31, BatchPerWorker: 8);
        using var single = new GradientWorker(settings);
        var (reference, _) = TrainLoop.Run(settings, 4, single);

        // Two "nodes", workers computed in reverse order, results handed over in arrival order.
        using var nodeA = new GradientWorker(settings);
        using var nodeB = new GradientWorker(settings);
        var state = TrainLoop.Initial(settings);
        for (var s = 0; s < 4; s++)
        {
            var arrivals = new List<WorkerGradient>();
            for (var w = settings.LogicalWorkers - 1; w >= 0; w--)
            {
                var node = w % 2 == 0 ? nodeA : nodeB;
                arrivals.Add(node.Compute(state.Parameters, state.Workers[w]));
            }
            state = TrainLoop.Step(state, arrivals, settings);
        }

        Assert.Equal(TrainCheckpoint.WeightsSha256(reference.Parameters), TrainCheckpoint.WeightsSha256(state.Parameters));
        Assert.Equal(reference.ToBytes(), state.ToBytes());
    }

    [Fact]
    public void Logical_order_reduction_is_order_free_while_arrival_order_float_sums_are_not()
    {
        // Gradients chosen so float summation order matters: 1e8 + 1 - 1e8 loses the 1 in single precision.
        WorkerGradient G(int id, params float[] g) => new(id, g, 0, 1, new LogicalWorkerState(id, 0, 0, []));
        var workers = new[] { G(0, 1e8f, 1f), G(1, 1f, 2f), G(2, -1e8f, 3f) };

        var forward = GradientReduction.MeanInLogicalOrder(workers);
        var backward = GradientReduction.MeanInLogicalOrder(workers.Reverse().ToArray());
        Assert.Equal(forward, backward);
        Assert.Equal([1f / 3f, 2f], forward);   // summed in double: exact

        var inOrder = new ArrivalOrderAccumulator(2);
        foreach (var w in workers)
        {
            inOrder.Add(w);
        }
        var shuffled = new ArrivalOrderAccumulator(2);
        foreach (var w in new[] { workers[0], workers[2], workers[1] })
        {
            shuffled.Add(w);
        }
        Assert.Equal(3, shuffled.Count);
        Assert.NotEqual(inOrder.Mean()[0], shuffled.Mean()[0]);
        Assert.Equal(forward[1], shuffled.Mean()[1]);

        Assert.Throws<ArgumentException>(() => GradientReduction.MeanInLogicalOrder([workers[0], workers[2]]));
        Assert.Throws<ArgumentException>(() => GradientReduction.MeanInLogicalOrder([workers[0], workers[0]]));
    }
}
