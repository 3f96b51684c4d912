using Dataflow.Actors.Runtime;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Example;

/// <summary>The workload written by following README's "Adding a workload": registered once, it runs through the
/// runtime with its typed result, on one node and on two with the same bits.</summary>
public sealed class PiWorkloadSpec
{
    private static readonly PiJobSpec s_job = new(LogicalWorkers: 6, Rounds: 5, SamplesPerWorker: 20_000, Seed: 3);

    static PiWorkloadSpec() => Workloads.Register(new PiWorkload());

    [Fact]
    public async Task The_example_workload_runs_embedded_and_on_two_nodes_with_the_same_estimate()
    {
        var expectedHits = Enumerable.Range(0, s_job.Rounds)
            .Sum(r => Enumerable.Range(0, s_job.LogicalWorkers).Sum(w => s_job.Hits(w, r)));

        await using var embedded = await DataflowCluster.StartEmbeddedAsync();
        var one = (await embedded.RunAsync(new PiJob(s_job))).As<PiResult>();
        Assert.Equal(expectedHits, one.Hits);
        Assert.Equal(Math.PI, one.Pi, 0.02);
        Assert.Equal(WorkloadResult.CurrentSchemaVersion, one.SchemaVersion);
        Assert.Equal(s_job, one.Inputs);
        Assert.StartsWith("pi-", one.JobId);

        // A second node joins the embedded one: the workers spread over both, the estimate is the same.
        var second = DataflowNode.Start(new NodeOptions { Seeds = [embedded.Address], ComputeThreads = 1 });
        try
        {
            await second.WaitUntilUpAsync(TimeSpan.FromSeconds(60));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((await embedded.StatusAsync()).Members.Count(m => m.Roles.Contains("compute")) < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            var id = await embedded.SubmitAsync(new PiJob(s_job));
            var two = (await embedded.AttachAsync(id)).As<PiResult>();
            Assert.Equal(one.Hits, two.Hits);
            Assert.Equal(id, two.JobId);
            var record = Assert.Single(await embedded.ListJobsAsync(), r => r.JobId == id);
            Assert.Equal("completed", record.State);
        }
        finally
        {
            await second.ShutdownAsync();
        }
    }
}
