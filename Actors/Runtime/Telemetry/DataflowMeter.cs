using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>The process-wide <see cref="Meter"/> named <c>Dataflow</c> and every instrument stage actors report through.</summary>
/// <remarks>
/// Stage instruments carry the tags <c>job</c>, <c>stage</c>, <c>worker</c> and <c>node</c> (host:port); node memory
/// gauges carry none, since one process is one node. Being an ordinary meter, it is visible to
/// <c>dotnet-counters monitor --counters Dataflow</c> and to any <see cref="MeterListener"/>.
/// </remarks>
public static class DataflowMeter
{
    /// <summary>The meter name, <c>Dataflow</c>.</summary>
    public const string Name = "Dataflow";

    /// <summary>Tag key of the job id.</summary>
    public const string JobTag = "job";

    /// <summary>Tag key of the stage name within the job.</summary>
    public const string StageTag = "stage";

    /// <summary>Tag key of the logical worker id or actor name.</summary>
    public const string WorkerTag = "worker";

    /// <summary>Tag key of the node address, host:port.</summary>
    public const string NodeTag = "node";

    // Stages that report a mailbox depth; read by the observable gauge on every collection.
    private static readonly ConcurrentDictionary<StageTelemetry, byte> _liveStages = new();

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

    /// <summary>Payload bytes a stage received: <c>dataflow.stage.bytes_in</c>.</summary>
    public static readonly Counter<long> StageBytesIn =
        Meter.CreateCounter<long>("dataflow.stage.bytes_in", "By", "Payload bytes received by a stage actor");

    /// <summary>Payload bytes a stage sent: <c>dataflow.stage.bytes_out</c>.</summary>
    public static readonly Counter<long> StageBytesOut =
        Meter.CreateCounter<long>("dataflow.stage.bytes_out", "By", "Payload bytes sent by a stage actor");

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
