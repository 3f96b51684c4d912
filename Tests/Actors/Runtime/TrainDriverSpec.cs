using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;
using Dataflow.Train;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>The train driver against a test probe posing as the only node agent.</summary>
public sealed class TrainDriverSpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions()), "dataflow")
{
    private static readonly TrainJob s_job = Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(3).Steps(6)
        .Seed(9).CheckpointEvery(2).Build();

    [Fact]
    public void A_failed_stage_resumes_from_the_last_checkpoint_and_the_result_is_unchanged()
    {
        var agent = CreateTestProbe();
        var client = CreateTestProbe();
        var spec = s_job.ToSpec("job-1");
        var driver = Sys.ActorOf(new TrainWorkload().DriverProps(spec, client.Ref, null), "driver");
        driver.Tell(new NodesChanged([new ComputeNode("probe:1", agent.Ref.Path.ToString(), 1.0)]));
        agent.ExpectMsg<EnsureStage>();
        Assert.Equal(0, agent.ExpectMsg<ReplicateCheckpoint>().Step);

        using var worker = new GradientWorker(s_job.Spec.Settings);
        TrainWork Answer(TrainWork work)
        {
            var grads = work.Workers.Select(s => worker.Compute(work.Parameters, s)).ToArray();
            driver.Tell(new TrainGradients(work.JobId, work.Generation, work.Step, "probe:1", grads, 0.01), agent.Ref);
            return work;
        }

        // Steps 1..3 complete; the checkpoint after step 2 is replicated.
        Answer(agent.ExpectMsg<TrainWork>(w => w.Step == 0 && w.Workers.Length == 3));
        Answer(agent.ExpectMsg<TrainWork>(w => w.Step == 1));
        Assert.Equal(2, agent.ExpectMsg<ReplicateCheckpoint>().Step);
        Answer(agent.ExpectMsg<TrainWork>(w => w.Step == 2));
        var failed = agent.ExpectMsg<TrainWork>(w => w.Step == 3);

        // The stage reports a failure: the driver asks for the stage again and re-runs step 3 from the step-2 checkpoint.
        driver.Tell(new TrainStageFailed(failed.JobId, failed.Generation, failed.Step, "probe:1", "injected"), agent.Ref);
        agent.ExpectMsg<EnsureStage>();
        var retry = agent.ExpectMsg<TrainWork>();
        Assert.Equal(2, retry.Step);
        Assert.True(retry.Generation > failed.Generation);

        // A late reply of the failed generation is ignored.
        driver.Tell(new TrainGradients(failed.JobId, failed.Generation, 2, "probe:1", [], 0), agent.Ref);
        var work = Answer(retry);
        while (true)
        {
            var next = agent.FishForMessage(m => m is TrainWork or StopStage);
            if (next is StopStage)
            {
                break;
            }
            work = Answer((TrainWork)next);
        }

        var done = client.FishForMessage<JobCompleted>(m => m is JobCompleted);
        var result = new JobResult(done.JobId, done.ResultJson).As<TrainResult>();
        var reference = TrainLoop.Run(s_job.Spec.Settings, s_job.Spec.Steps, worker);
        Assert.Equal(TrainCheckpoint.WeightsSha256(reference.Final.Parameters), result.WeightsSha256);
        Assert.Equal(6, result.Steps);
        Assert.Equal(5, work.Step);
    }

    [Fact]
    public void Losing_the_only_node_waits_and_resumes_when_a_node_returns()
    {
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var client = CreateTestProbe();
        var driver = Sys.ActorOf(new TrainWorkload().DriverProps(s_job.ToSpec("job-2"), client.Ref, null), "driver2");
        driver.Tell(new NodesChanged([new ComputeNode("a:1", first.Ref.Path.ToString(), 1.0)]));
        first.ExpectMsg<EnsureStage>();
        first.FishForMessage(m => m is TrainWork);

        driver.Tell(new NodesChanged([]));
        Assert.Equal("waiting for compute nodes", client.FishForMessage<JobProgress>(m => m is JobProgress { Note: "waiting for compute nodes" }).Note);

        driver.Tell(new NodesChanged([new ComputeNode("b:1", second.Ref.Path.ToString(), 1.0)]));
        second.ExpectMsg<EnsureStage>();
        Assert.Equal(0, second.FishForMessage<TrainWork>(m => m is TrainWork).Step);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
