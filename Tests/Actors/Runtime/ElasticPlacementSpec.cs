using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Train;
using Dataflow.Train;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>Actor systems in one process form a cluster; one joins and one leaves mid-job, and the logical workers
/// move each time without changing a bit of the result.</summary>
public sealed class ElasticPlacementSpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions { Roles = ["client"] }), "dataflow")
{
    [Fact]
    public async Task Members_join_and_leave_and_logical_workers_move_without_changing_the_result()
    {
        var job = Job.Train().Model(TrainModelKind.Cnn).LogicalWorkers(6).Steps(640).Seed(5).CheckpointEvery(25)
            .BatchPerWorker(32).Build();

        // Reference: the single-process training loop, an independent path through the same kernels.
        using var worker = new GradientWorker(job.Spec.Settings);
        var reference = TrainLoop.Run(job.Spec.Settings, job.Spec.Steps, worker);
        var expectedSha = TrainCheckpoint.WeightsSha256(reference.Final.Parameters);

        var nodes = new List<DataflowNode> { DataflowNode.Start(new NodeOptions { ComputeThreads = 1 }) };
        try
        {
            await nodes[0].WaitUntilUpAsync(TimeSpan.FromSeconds(20));
            nodes.Add(DataflowNode.Start(new NodeOptions { Seeds = [nodes[0].Address], ComputeThreads = 1 }));
            foreach (var n in nodes)
            {
                await n.WaitUntilUpAsync(TimeSpan.FromSeconds(20));
            }
            // The test kit's own system joins as a client to watch membership.
            Cluster.Get(Sys).Join(Akka.Actor.Address.Parse($"akka.tcp://dataflow@{nodes[0].Address}"));
            await AwaitConditionAsync(() => Task.FromResult(Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up) == 3),
                TimeSpan.FromSeconds(20));

            await using var client = await DataflowCluster.ConnectAsync(nodes[0].Address);
            var joined = 0;
            var left = 0;
            var leaving = nodes[1];
            var stepAtJoin = 0L;
            var stepAtLeave = 0L;
            var placements = new List<string>();
            var result = await client.RunAsync(job, new InlineProgress(p =>
            {
                lock (placements)
                {
                    if (placements.Count == 0 || placements[^1] != p.Note)
                    {
                        placements.Add(p.Note);
                    }
                }
                // Scale out at step 10; once the new node holds workers, scale in by letting node 1 leave. The run is
                // long enough (640 steps) that a graceful leave, which takes seconds, re-places before it ends.
                if (p.Done >= 10 && Interlocked.Exchange(ref joined, 1) == 0)
                {
                    stepAtJoin = p.Done;
                    lock (nodes)
                    {
                        nodes.Add(DataflowNode.Start(new NodeOptions { Seeds = [nodes[0].Address], ComputeThreads = 1 }));
                    }
                }
                else if (joined == 1 && p.Note.Split(' ').Length == 3 && Interlocked.Exchange(ref left, 1) == 0)
                {
                    stepAtLeave = p.Done;
                    _ = leaving.ShutdownAsync();
                }
            }));
            var train = result.As<TrainResult>();

            Assert.Equal(1, joined);
            Assert.True(left == 1, $"the third node never received workers: {string.Join(" | ", placements)}");
            Assert.True(stepAtLeave < job.Spec.Steps, "the leave must happen mid-run");
            Assert.True(train.PlacementChanges >= 2, $"join and leave must each re-place: {string.Join(" | ", placements)}");
            Assert.Equal(expectedSha, train.WeightsSha256);
            Assert.Equal(reference.Losses[^1], train.FinalLoss, 12);
            await AwaitConditionAsync(() => Task.FromResult(
                Cluster.Get(Sys).State.Members.All(m => m.Address.Port != Akka.Actor.Address.Parse($"akka.tcp://dataflow@{leaving.Address}").Port)),
                TimeSpan.FromSeconds(20));
            Assert.True(stepAtJoin >= 10);
        }
        finally
        {
            DataflowNode[] all;
            lock (nodes)
            {
                all = [.. nodes];
            }
            foreach (var n in all)
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
