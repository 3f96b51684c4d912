using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>The process-wide <see cref="Meter"/> named <c>Dataflow</c> and every instrument stage actors report through.</summary>
/// <remarks>
/// Stage instruments carry the tags <c>job_id</c>, <c>workload</c>, <c>stage</c>, <c>worker</c> and <c>node</c>
/// (host:port); node memory gauges carry none, since one process is one node. Tag names avoid <c>job</c> and
/// <c>instance</c>, which Prometheus sets on every scraped series itself. Counters are cumulative (rates are the
/// reader's: PromQL <c>rate()</c>), latencies are histograms. Being an ordinary meter, it is visible to
/// <c>dotnet-counters monitor -p PID --counters Dataflow</c>, to any <see cref="MeterListener"/> and to the host's
/// Prometheus and OTLP exporters.
/// </remarks>
public static class DataflowMeter
{
    /// <summary>The meter name, <c>Dataflow</c>.</summary>
    public const string Name = "Dataflow";

    /// <summary>Tag key of the job id.</summary>
    public const string JobTag = "job_id";

    /// <summary>Tag key of the job's workload (its run verb).</summary>
    public const string WorkloadTag = "workload";

    /// <summary>Tag key of the stage name within the job.</summary>
    public const string StageTag = "stage";

    /// <summary>Tag key of the logical worker id or actor name.</summary>
    public const string WorkerTag = "worker";

    /// <summary>Tag key of the node address, host:port.</summary>
    public const string NodeTag = "node";

    // From 100 us to 100 s, about three buckets a decade: message handling and steps span that range.
    private static readonly double[] LatencyBucketsSeconds =
        [1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100];

    // Stages that report a mailbox depth; read by the observable gauge on every collection.
    private static readonly ConcurrentDictionary<StageTelemetry, byte> _liveStages = new();

    /// <summary>The activity source of job traces (one span per job run on a driver), named like the meter.</summary>
    public static readonly System.Diagnostics.ActivitySource Activities =
        new(Name, typeof(DataflowMeter).Assembly.GetName().Version?.ToString(3));

    /// <summary>The meter itself, versioned with the Dataflow.Actors assembly.</summary>
    public static readonly Meter Meter = new(Name, typeof(DataflowMeter).Assembly.GetName().Version?.ToString(3));

    /// <summary>Messages a stage actor has handled: <c>dataflow.stage.messages</c>.</summary>
    public static readonly Counter<long> StageMessages =
        Meter.CreateCounter<long>("dataflow.stage.messages", "{message}", "Messages handled by a stage actor");

    /// <summary>Time a stage actor spent inside its handlers: <c>dataflow.stage.busy</c>, in seconds.</summary>
    public static readonly Counter<double> StageBusy =
        Meter.CreateCounter<double>("dataflow.stage.busy", "s", "Time a stage actor spent handling messages");

    /// <summary>Work items (samples, steps, frames...) a stage has completed: <c>dataflow.stage.items</c>.</summary>
    public static readonly Counter<long> StageItems =
        Meter.CreateCounter<long>("dataflow.stage.items", "{item}", "Work items completed by a stage actor");

    /// <summary>Payload bytes a stage received: <c>dataflow.stage.received</c> (Prometheus:
    /// <c>dataflow_stage_received_bytes_total</c>).</summary>
    public static readonly Counter<long> StageBytesIn =
        Meter.CreateCounter<long>("dataflow.stage.received", "By", "Payload bytes received by a stage actor");

    /// <summary>Payload bytes a stage sent: <c>dataflow.stage.sent</c>.</summary>
    public static readonly Counter<long> StageBytesOut =
        Meter.CreateCounter<long>("dataflow.stage.sent", "By", "Payload bytes sent by a stage actor");

    /// <summary>Time one message kept a stage actor busy: <c>dataflow.stage.handle_duration</c>, a histogram in
    /// seconds.</summary>
    public static readonly Histogram<double> StageHandleDuration =
        Meter.CreateHistogram("dataflow.stage.handle_duration", "s", "Time a stage actor spent on one message",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds });

    /// <summary>Wall time of one unit of a job's work (a step, an iteration) as its driver saw it:
    /// <c>dataflow.job.step_duration</c>, a histogram in seconds, tagged <c>job_id</c> and <c>workload</c>.</summary>
    public static readonly Histogram<double> JobStepDuration =
        Meter.CreateHistogram("dataflow.job.step_duration", "s", "Wall time of one step of a job",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds });

    /// <summary>Messages waiting in a stage actor's mailbox: <c>dataflow.stage.mailbox_depth</c>.</summary>
    public static readonly ObservableGauge<int> StageMailboxDepth =
        Meter.CreateObservableGauge<int>("dataflow.stage.mailbox_depth", ObserveMailboxDepths, "{message}",
            "Messages queued in a stage actor's mailbox");

    /// <summary>Bytes held by the managed heap of this process: <c>dataflow.node.managed_memory</c>.</summary>
    public static readonly ObservableGauge<long> NodeManagedMemory =
        Meter.CreateObservableGauge<long>("dataflow.node.managed_memory", ProcessMemory.ManagedBytes, "By",
            "Managed heap bytes of this node's process");

    /// <summary>Resident bytes of this process outside the managed heap: <c>dataflow.node.native_memory</c>.</summary>
    public static readonly ObservableGauge<long> NodeNativeMemory =
        Meter.CreateObservableGauge<long>("dataflow.node.native_memory", ProcessMemory.NativeBytes, "By",
            "Resident bytes of this node's process outside the managed heap");

    internal static void Register(StageTelemetry stage) => _liveStages.TryAdd(stage, 0);

    internal static void Unregister(StageTelemetry stage) => _liveStages.TryRemove(stage, out _);

    private static IEnumerable<Measurement<int>> ObserveMailboxDepths()
    {
        foreach (var stage in _liveStages.Keys)
        {
            if (stage.TryReadMailboxDepth(out var depth))
            {
                yield return new Measurement<int>(depth, stage.Tags);
            }
        }
    }
}
