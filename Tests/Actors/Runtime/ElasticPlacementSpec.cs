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
        // The job is longer than the test: it runs until a node has joined and received workers, a node has left
        // gracefully and its workers were re-placed, and a checkpoint was written after that; then it is cancelled.
        // However long the leave takes on a loaded machine, the job is still running when it completes. The weights
        // of that checkpoint must equal the single-process loop's after the same number of steps.
        const int checkpointEvery = 25;
        var checkpoints = Directory.CreateTempSubdirectory("dataflow-elastic-");
        var job = Job.Train().Model(TrainModelKind.Cnn).LogicalWorkers(6).Steps(1_000_000).Seed(5).CheckpointEvery(checkpointEvery)
            .CheckpointDirectory(checkpoints.FullName).BatchPerWorker(32).Build();

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
            var stepReplacedAfterLeave = -1L;
            var placementChanges = 0.0;
            var placements = new List<string>();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            var run = client.RunAsync(job, new InlineProgress(p =>
            {
                lock (placements)
                {
                    if (placements.Count == 0 || placements[^1] != p.Note)
                    {
                        placements.Add(p.Note);
                    }
                    placementChanges = p.Metrics.GetValueOrDefault("placementChanges");
                    // Scale out at step 10; once the new node holds workers, scale in by letting node 1 leave; once the
                    // workers are on two nodes again, run to the second checkpoint after that and stop.
                    var nodeCount = p.Note.Split(' ').Length;
                    if (p.Done >= 10 && joined == 0)
                    {
                        joined = 1;
                        stepAtJoin = p.Done;
                        lock (nodes)
                        {
                            nodes.Add(DataflowNode.Start(new NodeOptions { Seeds = [nodes[0].Address], ComputeThreads = 1 }));
                        }
                    }
                    else if (joined == 1 && left == 0 && nodeCount == 3)
                    {
                        left = 1;
                        stepAtLeave = p.Done;
                        _ = leaving.ShutdownAsync();
                    }
                    else if (left == 1 && stepReplacedAfterLeave < 0 && nodeCount == 2)
                    {
                        stepReplacedAfterLeave = p.Done;
                    }
                    else if (stepReplacedAfterLeave >= 0 && p.Done >= stepReplacedAfterLeave + (2 * checkpointEvery))
                    {
                        stop.Cancel();
                    }
                }
            }), stop.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

            Assert.True(stepReplacedAfterLeave >= 0, $"the workers never went back to two nodes: {string.Join(" | ", placements)}");
            Assert.True(placementChanges >= 2, $"join and leave must each re-place: {string.Join(" | ", placements)}");
            Assert.True(stepAtJoin >= 10 && stepAtLeave > stepAtJoin);
            // The first checkpoint after the re-placement was complete before the job went 2 intervals past it.
            var step = ((stepReplacedAfterLeave / checkpointEvery) + 1) * checkpointEvery;
            var file = Directory.GetFiles(checkpoints.FullName, $"step-{step:D8}.ckpt", SearchOption.AllDirectories);
            var checkpoint = TrainCheckpoint.Load(Assert.Single(file));
            Assert.Equal(step, checkpoint.Step);

            // Reference: the single-process training loop, an independent path through the same kernels.
            using var worker = new GradientWorker(job.Spec.Settings);
            var reference = TrainLoop.Run(job.Spec.Settings, (int)step, worker);
            Assert.Equal(TrainCheckpoint.WeightsSha256(reference.Final.Parameters), TrainCheckpoint.WeightsSha256(checkpoint.Parameters));
            await AwaitConditionAsync(() => Task.FromResult(
                Cluster.Get(Sys).State.Members.All(m => m.Address.Port != Akka.Actor.Address.Parse($"akka.tcp://dataflow@{leaving.Address}").Port)),
                TimeSpan.FromSeconds(20));
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
            checkpoints.Delete(recursive: true);
        }
    }

    private sealed class InlineProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
