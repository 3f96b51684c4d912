using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;
using Dataflow.Train;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>A real node (agent, stage, coordinator) driven by hand: stage supervision and checkpoint replicas.</summary>
public sealed class NodeAgentSpec : TestKit
{
    private readonly DataflowNode _node;

    public NodeAgentSpec() : base(DataflowNode.LoadConfig(new NodeOptions { Roles = ["client"] }), "probe")
    {
        _node = DataflowNode.Start(new NodeOptions { ComputeThreads = 1 });
    }

    protected override void AfterAll()
    {
        _node.System.Terminate().Wait(TimeSpan.FromSeconds(20));
        base.AfterAll();
    }

    private ActorSelection Agent => _node.System.ActorSelection("/user/agent");

    [Fact]
    public async Task A_failing_stage_reports_the_failure_restarts_and_computes_correctly_again()
    {
        await _node.WaitUntilUpAsync(TimeSpan.FromSeconds(20));
        var job = Job.Train().LogicalWorkers(2).Steps(3).Seed(4).Build();
        var spec = job.ToSpec("sup-1");
        var initial = TrainLoop.Initial(job.Spec.Settings);
        var probe = CreateTestProbe(_node.System);

        Agent.Tell(new EnsureStage(spec), probe.Ref);
        // Parameters of the wrong length make the gradient computation throw inside the stage.
        Agent.Tell(new TrainWork("sup-1", 1, 0, new float[3], initial.Workers), probe.Ref);
        var failed = probe.ExpectMsg<TrainStageFailed>(TimeSpan.FromSeconds(30));
        Assert.Equal(1, failed.Generation);
        Assert.Equal(_node.Address, failed.Node);

        // The agent's supervisor restarted the stage: the same actor path answers the next, valid work.
        Agent.Tell(new TrainWork("sup-1", 2, 0, initial.Parameters, initial.Workers), probe.Ref);
        var done = probe.ExpectMsg<TrainGradients>(TimeSpan.FromSeconds(30));
        using var worker = new GradientWorker(job.Spec.Settings);
        for (var w = 0; w < 2; w++)
        {
            Assert.Equal(worker.Compute(initial.Parameters, initial.Workers[w]).Gradient, done.Gradients[w].Gradient);
        }
    }

    [Fact]
    public async Task Agents_keep_the_newest_checkpoint_replica_until_the_job_stops()
    {
        await _node.WaitUntilUpAsync(TimeSpan.FromSeconds(20));
        var spec = Job.Train().Build().ToSpec("rep-1");
        var probe = CreateTestProbe(_node.System);
        Agent.Tell(new ReplicateCheckpoint(spec, probe.Ref, 20, [2], 1, 3.0), probe.Ref);
        Agent.Tell(new ReplicateCheckpoint(spec, probe.Ref, 10, [1], 0, 1.0), probe.Ref);
        Agent.Tell(new ListRecoverableJobs(), probe.Ref);
        var held = Assert.Single(probe.ExpectMsg<RecoverableJobs>().Jobs);
        Assert.Equal(20, held.Step);
        Assert.Equal(new byte[] { 2 }, held.Checkpoint);

        Agent.Tell(new StopStage("rep-1"), probe.Ref);
        Agent.Tell(new ListRecoverableJobs(), probe.Ref);
        Assert.Empty(probe.ExpectMsg<RecoverableJobs>().Jobs);
    }

    [Fact]
    public async Task A_four_megabyte_gradient_crosses_the_wire_in_one_message()
    {
        await _node.WaitUntilUpAsync(TimeSpan.FromSeconds(20));
        var gradient = Enumerable.Range(0, 1_000_000).Select(i => (float)Math.Cos(i)).ToArray();
        var state = LogicalWorkerState.Initial(new TrainSettings(TrainModelKind.Mlp, 1, 1), 0);
        var message = new TrainGradients("big", 1, 1, _node.Address, [new WorkerGradient(0, gradient, 1.5, 8, state)], 0.1);
        var address = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        _node.System.ActorSelection(TestActor.Path.ToStringWithAddress(address)).Tell(message);
        var received = ExpectMsg<TrainGradients>(TimeSpan.FromSeconds(30));
        Assert.Equal(gradient, received.Gradients[0].Gradient);
    }
}
