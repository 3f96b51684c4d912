using Akka.Actor;
using Dataflow.Actors.Runtime.Telemetry;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

public sealed class MailboxDepthSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan _wait = TimeSpan.FromSeconds(10);
    private readonly string _node = $"node-{Guid.NewGuid():N}:4053";
    private readonly string _job = $"job-{Guid.NewGuid():N}";

    [Fact]
    public void A_stage_actor_reports_the_messages_queued_behind_its_busy_handler()
    {
        using var collector = new TelemetryCollector(_node);
        using var telemetry = new StageTelemetry(_job, "gated", "w0", _node);
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var stage = Sys.ActorOf(Props.Create(() => new GatedStage(telemetry, entered, gate)), "gated");

        stage.Tell(new Hold());
        Assert.True(entered.Wait(_wait), "the actor never started handling Hold");
        for (var i = 1; i <= 5; i++)
        {
            stage.Tell(new Work(i), TestActor);
        }

        // Local Tell enqueues synchronously, and Hold holds the actor: exactly the five Work messages wait.
        var blocked = Assert.Single(collector.Snapshot().Stages);
        Assert.Equal(5, blocked.MailboxDepth);
        Assert.Equal(0, blocked.Messages);

        gate.Set();
        // Each handler reads its own depth after dequeuing its message.
        Assert.Equal([4, 3, 2, 1, 0], Enumerable.Range(0, 5).Select(_ => ExpectMsg<int>(_wait)));

        var drained = Assert.Single(collector.Snapshot().Stages);
        Assert.Equal(0, drained.MailboxDepth);
        Assert.Equal(6, drained.Messages);
        Assert.Equal(1 + 2 + 3 + 4 + 5, drained.Items);
        Assert.True(drained.BusySeconds > 0);
    }

    [Fact]
    public void Outside_an_actor_cell_the_depth_is_unknown()
    {
        // A context that is not an ActorCell; any member it is asked for throws.
        var context = System.Reflection.DispatchProxy.Create<IActorContext, ThrowingProxy>();
        Assert.Equal(-1, MailboxDepth.Of(context));
        Assert.Equal(-1, MailboxDepth.ReaderFor(context)());
    }

    /// <summary>Test to GatedStage: block the handler until the gate opens.</summary>
    private sealed record Hold;

    /// <summary>Test to GatedStage: one unit of work of <paramref name="Items"/> items; answered with the mailbox depth.</summary>
    private sealed record Work(int Items);

    private sealed class GatedStage : ReceiveActor
    {
        public GatedStage(StageTelemetry telemetry, ManualResetEventSlim entered, ManualResetEventSlim gate)
        {
            telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
            Receive<Hold>(_ =>
            {
                using (telemetry.MeasureMessage())
                {
                    entered.Set();
                    gate.Wait(_wait);
                }
            });
            Receive<Work>(work =>
            {
                int depth;
                using (telemetry.MeasureMessage())
                {
                    depth = MailboxDepth.Of(Context);
                    telemetry.AddItems(work.Items);
                }
                // Replied after the scope closed, so the test sees the message counted.
                Sender.Tell(depth);
            });
        }
    }

    // DispatchProxy derives from this type, so it cannot be sealed.
    public class ThrowingProxy : System.Reflection.DispatchProxy
    {
        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            throw new NotSupportedException();
    }
}
