using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Dataflow;

public sealed class TrainJobBuilderSpec
{
    [Fact]
    public void Builds_the_spec_the_coordinator_decodes()
    {
        var job = Job.Train().Model(TrainModelKind.Cnn).LogicalWorkers(5).Steps(42).Seed(77).CheckpointEvery(7)
            .BatchPerWorker(8).LearningRate(1e-3).CheckpointDirectory("/tmp/ck").Build();
        var spec = job.ToSpec("j1");
        Assert.Equal("train", spec.Workload);
        var decoded = Workload.Decode<TrainJobSpec>(spec);
        Assert.Equal(TrainModelKind.Cnn, decoded.Settings.Model);
        Assert.Equal(5, decoded.Settings.LogicalWorkers);
        Assert.Equal(77, decoded.Settings.Seed);
        Assert.Equal(8, decoded.Settings.BatchPerWorker);
        Assert.Equal(1e-3, decoded.Settings.LearningRate);
        Assert.Equal(42, decoded.Steps);
        Assert.Equal(7, decoded.CheckpointEvery);
        // The checkpoint directory is the client's: the spec says only that checkpoints are kept as files.
        Assert.True(decoded.CheckpointFiles);
        Assert.Equal(Path.GetFullPath("/tmp/ck"), job.CheckpointDirectory);
        Assert.DoesNotContain("/tmp/ck", System.Text.Encoding.UTF8.GetString(spec.Payload));
        Assert.Null(spec.Checkpoint);
        Assert.Equal(TrainReduction.LogicalOrder, decoded.Reduction);
        new TrainWorkload().Validate(spec);
    }

    [Theory]
    [InlineData(0, 10, 5, "logicalWorkers")]
    [InlineData(4, -3, 5, "steps")]
    [InlineData(4, 10, 0, "checkpointEvery")]
    public void Invalid_jobs_name_the_field(int workers, int steps, int every, string field)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            Job.Train().LogicalWorkers(workers).Steps(steps).CheckpointEvery(every).Build());
        Assert.StartsWith(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_payload_is_an_invalid_job_not_a_crash()
    {
        var spec = new JobSpec("j", "train", [0xc1, 0x00]);
        var e = Assert.ThrowsAny<ArgumentException>(() => new TrainWorkload().Validate(spec));
        Assert.Contains("malformed train spec", e.Message);
    }
}
