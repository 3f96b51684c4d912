using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class SyntheticDatasetSpec
{
    [Theory]
    [InlineData(TrainModelKind.Mlp)]
    [InlineData(TrainModelKind.Cnn)]
    public void Is_a_function_of_the_seed_and_uses_every_class(TrainModelKind kind)
    {
        var settings = new TrainSettings(kind, LogicalWorkers: 4, Seed: 11);
        var all = Enumerable.Range(0, settings.DatasetSize).ToArray();
        var (x1, y1) = new SyntheticDataset(settings).GetBatch(all);
        var (x2, y2) = new SyntheticDataset(settings).GetBatch(all);
        var (x3, _) = new SyntheticDataset(settings with { Seed = 12 }).GetBatch(all);
        Assert.Equal(x1, x2);
        Assert.Equal(y1, y2);
        Assert.NotEqual(x1, x3);

        // No class is empty or dominant: the teacher and the shape generator spread the labels.
        var classes = SyntheticDataset.ClassesOf(kind);
        var histogram = new int[classes];
        foreach (var y in y1)
        {
            histogram[y]++;
        }
        Assert.All(histogram, n => Assert.InRange(n, settings.DatasetSize / (4 * classes), settings.DatasetSize / 3));

        // Inputs have the advertised scale (MLP: unit Gaussian; CNN: shapes near 1 on a noisy 0 background).
        var mean = x1.Average();
        var variance = x1.Select(v => (v - mean) * (v - mean)).Average();
        if (kind == TrainModelKind.Mlp)
        {
            Assert.InRange(mean, -0.02, 0.02);
            Assert.InRange(variance, 0.97, 1.03);
        }
        else
        {
            Assert.InRange(mean, 0.05, 0.5);
        }
    }

    [Fact]
    public void Batches_are_gathered_in_the_requested_order()
    {
        var settings = new TrainSettings(TrainModelKind.Cnn, LogicalWorkers: 2, Seed: 3, DatasetSize: 64);
        var data = new SyntheticDataset(settings);
        var (one, oneLabel) = data.GetBatch([17]);
        var (pair, pairLabels) = data.GetBatch([5, 17]);
        Assert.Equal(one, pair.AsSpan(data.SampleLength).ToArray());
        Assert.Equal(oneLabel[0], pairLabels[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetBatch([64]));
    }

    [Fact]
    public void Worker_shards_partition_the_data_and_reshuffle_every_epoch()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 3, Seed: 5, DatasetSize: 100);
        var seen = new List<int>();
        for (var w = 0; w < 3; w++)
        {
            var epoch0 = WorkerDataOrder.Shard(settings, w, 0);
            var epoch1 = WorkerDataOrder.Shard(settings, w, 1);
            Assert.All(epoch0, i => Assert.Equal(w, i % 3));
            Assert.Equal(epoch0.Order(), epoch1.Order());
            Assert.NotEqual(epoch0, epoch1);
            Assert.Equal(epoch0, WorkerDataOrder.Shard(settings, w, 0));
            seen.AddRange(epoch0);
        }
        Assert.Equal(Enumerable.Range(0, 100), seen.Order());
    }

    [Fact]
    public void Taking_batches_walks_the_shard_and_wraps_into_the_next_epoch()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 2, Seed: 5, DatasetSize: 10);
        var state = new LogicalWorkerState(1, 0, 0, []);
        var (first, e1, c1) = WorkerDataOrder.Take(settings, state, 3);
        var (second, e2, c2) = WorkerDataOrder.Take(settings, state with { Epoch = e1, Cursor = c1 }, 3);
        Assert.Equal((0, 3), (e1, c1));
        Assert.Equal((1, 1), (e2, c2));
        var shard0 = WorkerDataOrder.Shard(settings, 1, 0);
        var shard1 = WorkerDataOrder.Shard(settings, 1, 1);
        Assert.Equal(shard0[..3], first);
        Assert.Equal(shard0[3..].Append(shard1[0]), second);
    }
}
