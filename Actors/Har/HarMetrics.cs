using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Actors.Har;

/// <summary>The har pipeline's instruments on the <c>Dataflow</c> meter (<see cref="DataflowMeter"/>), tagged as every
/// stage instrument is (job_id, workload, stage <c>har-ROLE</c>, worker, node): what Prometheus scrapes of a stream.</summary>
/// <remarks>
/// Latencies are histograms, so p50/p95/p99 come from <c>histogram_quantile</c> over their buckets; fps is the rate of
/// <c>dataflow_stage_items_total</c> (stage <c>har-sink</c> for the frames that came out); drops are a cumulative
/// counter; the queue of items waiting for credit at each role is a gauge read at every collection.
/// </remarks>
internal static class HarMetrics
{
    // From 1 ms to 10 s, about four buckets a decade: a frame's latency is tens of milliseconds when the pipeline keeps
    // up and grows to seconds only when something is wrong.
    private static readonly double[] FrameBucketsSeconds =
        [0.001, 0.0025, 0.005, 0.01, 0.02, 0.033, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly ConcurrentDictionary<QueueReader, byte> s_queues = new();

    /// <summary>Time a frame took through one role, from the upstream send to its own output:
    /// <c>dataflow.har.stage_latency</c>, seconds.</summary>
    public static readonly Histogram<double> StageLatency =
        DataflowMeter.Meter.CreateHistogram("dataflow.har.stage_latency", "s", "Time a frame took through one har stage",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FrameBucketsSeconds });

    /// <summary>Time from a frame's capture to its recognition at the sink: <c>dataflow.har.frame_latency</c>, seconds.</summary>
    public static readonly Histogram<double> FrameLatency =
        DataflowMeter.Meter.CreateHistogram("dataflow.har.frame_latency", "s", "End-to-end latency of a frame, capture to sink",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FrameBucketsSeconds });

    /// <summary>Frames a role dropped to keep latency bounded: <c>dataflow.har.dropped_frames</c>.</summary>
    public static readonly Counter<long> DroppedFrames =
        DataflowMeter.Meter.CreateCounter<long>("dataflow.har.dropped_frames", "{frame}", "Frames dropped by a har stage");

    /// <summary>Items a role holds for want of downstream credit: <c>dataflow.har.queue_length</c>.</summary>
    public static readonly ObservableGauge<int> QueueLength =
        DataflowMeter.Meter.CreateObservableGauge("dataflow.har.queue_length", ObserveQueues, "{frame}",
            "Frames waiting at a har stage for downstream credit");

    /// <summary>Starts reporting the queue length <paramref name="read"/> returns, under <paramref name="tags"/>;
    /// dispose the result to stop.</summary>
    public static IDisposable Watch(Func<int> read, TagList tags)
    {
        var reader = new QueueReader(read, tags);
        s_queues.TryAdd(reader, 0);
        return reader;
    }

    private static IEnumerable<Measurement<int>> ObserveQueues()
    {
        foreach (var reader in s_queues.Keys)
        {
            yield return new Measurement<int>(reader.Read(), reader.Tags);
        }
    }

    private sealed class QueueReader(Func<int> read, TagList tags) : IDisposable
    {
        public TagList Tags { get; } = tags;

        public int Read() => read();

        public void Dispose() => s_queues.TryRemove(this, out _);
    }
}
