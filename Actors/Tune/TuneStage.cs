using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Tune;

namespace Dataflow.Actors.Tune;

/// <summary>A tuning measurer: times the candidates placed on its node, one message at a time, on the compute
/// dispatcher (a node's measurements must not overlap, or they would time each other).</summary>
public sealed class TuneStage : ReceiveActor
{
    private readonly StageTelemetry _telemetry;
    private readonly KernelMeasurer _measurer;

    /// <summary>Creates the stage for <paramref name="spec"/> on node <paramref name="node"/>.</summary>
    public TuneStage(JobSpec spec, string node)
    {
        var job = Workload.Decode<TuneJobSpec>(spec);
        var model = job.ToModel();
        _measurer = new KernelMeasurer(node, job.MeasureRepeats);
        _telemetry = new StageTelemetry(spec.JobId, "tune", Self.Path.Name, node, spec.Workload);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        var cancel = StageCancellation.Get(Context.System).For(spec.JobId);
        Receive<TuneMeasure>(m =>
        {
            using var busy = _telemetry.MeasureMessage();
            try
            {
                var task = model.Tasks[m.TaskIndex];
                var records = _measurer.Measure(task, m.Schedules.Select(TuneSchedule.Parse).ToList(), cancel);
                _telemetry.AddItems(records.Count);
                Sender.Tell(new TuneMeasured(m.JobId, m.Generation, m.TaskIndex, m.Schedules,
                    records.Select(r => r.MedianSeconds).ToArray(), records.Select(r => r.Repeats).ToArray(), node,
                    records.FirstOrDefault()?.Machine ?? TuneRecord.DescribeMachine()));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // The job ended or the node is leaving: nobody waits for these measurements.
            }
            catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
            {
                Sender.Tell(new TuneMeasureFailed(m.JobId, m.Generation, node, e.Message));
            }
        });
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _measurer.Dispose();
        _telemetry.Dispose();
    }
}
