using Dataflow.Kernels.Quantum;
using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary>A job whose output cannot be kept, or whose checkpoint is corrupt, ends with an error naming the cause, on an
/// embedded cluster, within seconds: no restart loop, no wait for ever.</summary>
public sealed class JobFailureSpec
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_train_job_that_cannot_write_its_checkpoint_directory_fails_naming_it()
    {
        var job = Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(2).Steps(20).CheckpointDirectory("/proc/dataflow-x").Build();
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();

        var e = await Assert.ThrowsAsync<DataflowJobException>(() => cluster.RunAsync(job).WaitAsync(s_limit));

        Assert.Contains("/proc/dataflow-x", e.Message);
    }

    [Fact]
    public async Task A_nqs_job_that_cannot_write_its_checkpoint_directory_fails_naming_it()
    {
        var job = Job.Nqs().Fcidump(BundledMolecules.Path("h2")).Iterations(4).Checkpoints(2, "/proc/dataflow-x").Build();
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();

        var e = await Assert.ThrowsAsync<DataflowJobException>(() => cluster.RunAsync(job).WaitAsync(s_limit));

        Assert.Contains("/proc/dataflow-x", e.Message);
    }

    [Fact]
    public async Task A_nqs_job_resuming_from_a_corrupt_checkpoint_fails_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-corrupt-");
        try
        {
            var file = Path.Combine(dir.FullName, global::Dataflow.Actors.Nqs.NqsCheckpoint.FileName);
            File.WriteAllBytes(file, [0x94, 0xb3, 0x64, 0x61]);
            var job = Job.Nqs().Fcidump(BundledMolecules.Path("h2")).Iterations(4).Checkpoints(2, dir.FullName).Build();
            await using var cluster = await DataflowCluster.StartEmbeddedAsync();

            // The client reads the checkpoint it resumes from and ships it with the job: refused before submitting.
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => cluster.RunAsync(job).WaitAsync(s_limit));

            Assert.Contains(file, e.Message);
            Assert.Empty(await cluster.ListJobsAsync());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
