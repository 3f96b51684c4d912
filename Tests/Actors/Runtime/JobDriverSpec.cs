using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;
using Dataflow.Train;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>The job-driver base's lifecycle, through the train driver against a probe posing as the only node agent
/// and the test actor as the coordinator.</summary>
public sealed class JobDriverSpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions()), "dataflow")
{
    [Fact]
    public void A_driver_that_throws_is_restarted_asks_for_the_nodes_and_resumes_from_its_last_checkpoint()
    {
        var agent = CreateTestProbe();
        var client = CreateTestProbe();
        var job = Job.Train().LogicalWorkers(2).Steps(5).Seed(2).CheckpointEvery(2).Build();
        var driver = ChildActorOf(new TrainWorkload().DriverProps(job.ToSpec("restart-1"), client.Ref, null),
            new OneForOneStrategy(_ => Directive.Restart));
        var nodes = new NodesChanged([new ComputeNode("probe:1", agent.Ref.Path.ToString(), 1.0)]);
        driver.Tell(nodes);
        agent.ExpectMsg<EnsureStage>();
        Assert.Equal(0, agent.ExpectMsg<ReplicateCheckpoint>().Step);

        using var worker = new GradientWorker(job.Spec.Settings);
        void Answer(TrainWork w) => driver.Tell(new TrainGradients(w.JobId, w.Generation, w.Step, "probe:1",
            w.Workers.Select(s => worker.Compute(w.Parameters, s)).ToArray(), 0.01), agent.Ref);
        Answer(agent.ExpectMsg<TrainWork>(w => w.Step == 0));
        Answer(agent.ExpectMsg<TrainWork>(w => w.Step == 1));
        Assert.Equal(2, agent.ExpectMsg<ReplicateCheckpoint>().Step);
        var third = agent.ExpectMsg<TrainWork>(w => w.Step == 2);

        // A gradient of a worker the job does not have makes the driver throw; its supervisor restarts it.
        var foreign = worker.Compute(third.Parameters, third.Workers[0]) with { WorkerId = 99 };
        driver.Tell(new TrainGradients(third.JobId, third.Generation, 2, "probe:1", [foreign], 0.01), agent.Ref);
        var asked = FishForMessage<DriverRestarted>(m => m is DriverRestarted);
        Assert.Equal("restart-1", asked.JobId);

        // The coordinator answers with the nodes: the new instance resumes from the step-2 checkpoint.
        driver.Tell(nodes);
        var resumed = (TrainWork)agent.FishForMessage(m => m is TrainWork);
        Assert.Equal(2, resumed.Step);
        Answer(resumed);
        while (agent.FishForMessage(m => m is TrainWork or StopStage) is TrainWork next)
        {
            Answer(next);
        }
        var done = client.FishForMessage<JobCompleted>(m => m is JobCompleted);
        var result = new JobResult(done.JobId, done.ResultJson).As<TrainResult>();
        var reference = TrainLoop.Run(job.Spec.Settings, job.Spec.Steps, worker);
        Assert.Equal(TrainCheckpoint.WeightsSha256(reference.Final.Parameters), result.WeightsSha256);
        Assert.Equal("restart-1", result.JobId);
        Assert.Equal(job.Spec, result.Inputs);
    }

    [Fact]
    public void A_watcher_that_attaches_with_replay_gets_the_lines_so_far_and_the_result()
    {
        var agent = CreateTestProbe();
        var client = CreateTestProbe();
        var follower = CreateTestProbe();
        var job = Job.Train().LogicalWorkers(1).Steps(3).Seed(4).Build();
        var driver = ChildActorOf(new TrainWorkload().DriverProps(job.ToSpec("watch-1"), client.Ref, null));
        driver.Tell(new NodesChanged([new ComputeNode("probe:1", agent.Ref.Path.ToString(), 1.0)]));
        using var worker = new GradientWorker(job.Spec.Settings);
        void Answer(TrainWork w) => driver.Tell(new TrainGradients(w.JobId, w.Generation, w.Step, "probe:1",
            w.Workers.Select(s => worker.Compute(w.Parameters, s)).ToArray(), 0.01), agent.Ref);
        Answer((TrainWork)agent.FishForMessage(m => m is TrainWork));
        client.FishForMessage<JobProgress>(p => p is JobProgress { Done: 1 });

        driver.Tell(new WatchJob("watch-1", follower.Ref, Replay: true));
        Assert.Equal(1, follower.ExpectMsg<JobProgress>().Done);
        while (agent.FishForMessage(m => m is TrainWork or StopStage) is TrainWork next)
        {
            Answer(next);
        }
        Assert.Equal(2, follower.ExpectMsg<JobProgress>().Done);
        Assert.Equal(3, follower.ExpectMsg<JobProgress>().Done);
        Assert.Equal("watch-1", follower.ExpectMsg<JobCompleted>().JobId);
        client.FishForMessage<JobCompleted>(m => m is JobCompleted);
        // The coordinator is told the outcome and the lines, for the job's record.
        var finished = FishForMessage<DriverFinished>(m => m is DriverFinished);
        Assert.Equal(3, finished.Log.Length);
        Assert.NotNull(finished.ResultJson);
    }
}
