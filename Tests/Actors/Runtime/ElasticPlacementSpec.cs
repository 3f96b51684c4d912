using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Train;
using Dataflow.Train;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>Three actor systems in one process form a cluster; one leaves mid-job and its logical workers move.</summary>
public sealed class ElasticPlacementSpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions { Roles = ["client"] }), "dataflow")
{
    [Fact]
    public async Task A_member_leaves_and_its_logical_workers_move_without_changing_the_result()
    {
        var job = Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(6).Steps(150).Seed(5).CheckpointEvery(25)
            .BatchPerWorker(64).Build();

        // Reference: the single-process training loop, an independent path through the same kernels.
        using var worker = new GradientWorker(job.Spec.Settings);
        var reference = TrainLoop.Run(job.Spec.Settings, job.Spec.Steps, worker);
        var expectedSha = TrainCheckpoint.WeightsSha256(reference.Final.Parameters);

        var nodes = new List<DataflowNode> { DataflowNode.Start(new NodeOptions { ComputeThreads = 1 }) };
        try
        {
            await nodes[0].WaitUntilUpAsync(TimeSpan.FromSeconds(20));
            for (var i = 0; i < 2; i++)
            {
                nodes.Add(DataflowNode.Start(new NodeOptions { Seeds = [nodes[0].Address], ComputeThreads = 1 }));
            }
            foreach (var n in nodes)
            {
                await n.WaitUntilUpAsync(TimeSpan.FromSeconds(20));
            }
            // The test kit's own system joins as a client to watch membership.
            Cluster.Get(Sys).Join(Akka.Actor.Address.Parse($"akka.tcp://dataflow@{nodes[0].Address}"));
            await AwaitConditionAsync(() => Task.FromResult(Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up) == 4),
                TimeSpan.FromSeconds(20));

            await using var client = await DataflowCluster.ConnectAsync(nodes[0].Address);
            var left = 0;
            var leaving = nodes[2];
            var result = await client.RunAsync(job, new InlineProgress(p =>
            {
                if (p.Done >= 20 && Interlocked.Exchange(ref left, 1) == 0)
                {
                    _ = leaving.ShutdownAsync();
                }
            }));
            var train = result.As<TrainResult>();

            Assert.Equal(1, left);
            Assert.True(train.PlacementChanges >= 1, "leaving must re-place the logical workers");
            Assert.Equal(expectedSha, train.WeightsSha256);
            Assert.Equal(reference.Losses[^1], train.FinalLoss, 12);
            await AwaitConditionAsync(() => Task.FromResult(
                Cluster.Get(Sys).State.Members.All(m => m.Address.Port != Akka.Actor.Address.Parse($"akka.tcp://dataflow@{leaving.Address}").Port)),
                TimeSpan.FromSeconds(20));
        }
        finally
        {
            foreach (var n in nodes)
            {
                await n.System.Terminate();
            }
        }
    }

    private sealed class InlineProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
