using System.Diagnostics;
using Akka.Actor;

namespace Dataflow.Actors.Har;

/// <summary>The sink: takes each recognition (after <see cref="HarJobSpec.SinkDelayMs"/>, a slow consumer for tests),
/// measures its end-to-end latency from capture, and reports it to the driver.</summary>
internal sealed class HarSink : HarRoleActor
{
    public HarSink(HarRoleContext context) : base(context) =>
        Receive<HarRecognition>(r =>
        {
            Arrived();
            var clock = Stopwatch.StartNew();
            if (Role.Job.SinkDelayMs > 0)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(Role.Job.SinkDelayMs));
            }
            var latency = LatencyMs(r.CaptureTicks);
            Delivered(latency);
            Role.Assign.Driver.Tell(new HarDelivered(Role.Assign.Generation, r.Index, r.Label, r.Predicted, r.Confidence, latency));
            Emit(r, r.SentTicks, clock.Elapsed.TotalMilliseconds);
        });
}
