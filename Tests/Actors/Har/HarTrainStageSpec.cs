using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Har;
using Dataflow.Actors.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Actors.Har;

/// <summary><c>har-train</c>'s stage trains cooperatively: a newer request (a job restarted after a step timeout)
/// replaces the training under way instead of queueing behind it, and stopping the stage stops its training.</summary>
public sealed class HarTrainStageSpec(ITestOutputHelper output)
    : TestKit(DataflowNode.LoadConfig(new NodeOptions()), "har-train-stage-spec")
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void A_newer_request_replaces_the_training_under_way()
    {
        var stage = Sys.ActorOf(Props.Create(() => new HarTrainStage(Spec(recogniserSteps: 20))));
        stage.Tell(new HarTrainWork("j", 1), TestActor);
        // Generation 1 is rendering its data when generation 2 is asked for.
        var first = ExpectMsg<HarTrainProgress>(s_limit);
        Assert.Equal(1, first.Generation);
        stage.Tell(new HarTrainWork("j", 2), TestActor);

        var late = 0;
        var sawSecond = false;
        HarTrained? trained = null;
        while (trained is null)
        {
            var message = ReceiveOne(s_limit) ?? throw new TimeoutException("the stage went quiet");
            var generation = message switch
            {
                HarTrainProgress p => p.Generation,
                HarTrained t => t.Generation,
                _ => throw new InvalidOperationException($"unexpected {message}"),
            };
            if (generation == 1)
            {
                // Generation 1 stops at its next check (every 2 clips of data, every step): nothing of it after
                // generation 2 began, and never its model.
                Assert.False(sawSecond, "generation 1 went on after generation 2 began");
                Assert.IsNotType<HarTrained>(message);
                late++;
                continue;
            }
            sawSecond = true;
            trained = message as HarTrained;
        }
        output.WriteLine($"generation 1 sent {late} more progress reports before it stopped; generation 2 trained a model of {trained.Model.Length} bytes");
        Assert.True(trained.Model.Length > 0);
        ExpectNoMsg(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Stopping_the_stage_stops_its_training()
    {
        var stage = Sys.ActorOf(Props.Create(() => new HarTrainStage(Spec(recogniserSteps: 1_000_000))));
        stage.Tell(new HarTrainWork("j", 1), TestActor);
        FishForMessage<HarTrainProgress>(p => p.Phase == "recogniser", s_limit);
        Watch(stage);
        Sys.Stop(stage);
        ExpectTerminated(stage, s_limit);
        // A step under way when it stopped may still report; then the training is gone.
        Thread.Sleep(TimeSpan.FromSeconds(1));
        var late = ReceiveWhile<object>(TimeSpan.FromSeconds(1), m => m).Count;
        output.WriteLine($"{late} reports after the stop");
        Assert.InRange(late, 0, 2);
        ExpectNoMsg(TimeSpan.FromSeconds(3));
    }

    private static JobSpec Spec(int recogniserSteps) => new("j", "har-train", Workload.Encode(
        new HarTrainJobSpec(TrainClips: 12, TestClips: 6, RecogniserSteps: recogniserSteps, ImfeSteps: 5, Batch: 2,
            LearningRate: 1e-3, Seed: 3, Threads: 1)));
}
