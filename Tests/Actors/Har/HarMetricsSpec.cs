using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Actors.Har;

/// <summary>The har pipeline's latency histograms, dropped-frame counter and queue gauge reach the <c>Dataflow</c>
/// meter (which the host's Prometheus endpoint exports) with their stage tags, and agree with the job's result.</summary>
public sealed class HarMetricsSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task Stage_and_frame_latencies_drops_and_queue_lengths_are_meter_instruments()
    {
        // Keyed by job id too: other har jobs of the test run may report at the same time.
        var histograms = new ConcurrentDictionary<(string Job, string Instrument, string Stage), List<double>>();
        var dropped = new ConcurrentDictionary<(string Job, string Stage), long>();
        var queues = new ConcurrentDictionary<(string Job, string Stage), int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DataflowMeter.Name && instrument.Name.StartsWith("dataflow.har.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var list = histograms.GetOrAdd((Tag(tags, DataflowMeter.JobTag), instrument.Name, Tag(tags, DataflowMeter.StageTag)), _ => []);
            lock (list)
            {
                list.Add(value);
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            dropped.AddOrUpdate((Tag(tags, DataflowMeter.JobTag), Tag(tags, DataflowMeter.StageTag)), value, (_, v) => v + value));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            queues.AddOrUpdate((Tag(tags, DataflowMeter.JobTag), Tag(tags, DataflowMeter.StageTag)), value, (_, v) => Math.Max(v, value)));
        listener.Start();

        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        // A 30 fps camera into a sink of 50 ms a frame (20 fps): frames are dropped at the source.
        var job = Job.Har().CameraSim(fps: 30).Features("flow").Resolution(96, 128).Frames(60).SinkDelay(50).Build();
        var run = cluster.RunAsync(job);
        while (!run.IsCompleted)
        {
            listener.RecordObservableInstruments();
            await Task.Delay(100);
        }
        var result = await run;
        var r = result.As<HarResult>();
        var id = result.JobId;
        Assert.StartsWith("har-", id, StringComparison.Ordinal);
        listener.RecordObservableInstruments();
        output.WriteLine(r.ToJson());

        var frames = histograms[(id, "dataflow.har.frame_latency", "har-sink")];
        output.WriteLine($"frame latency: {frames.Count} frames, max {frames.Max() * 1000:F1} ms; dropped {string.Join(", ", dropped.Where(d => d.Key.Job == id))}; " +
            $"queues {string.Join(", ", queues.Where(q => q.Key.Job == id))}");
        Assert.Equal(r.Frames, frames.Count);
        Assert.All(frames, s => Assert.InRange(s, 0, 10));
        foreach (var role in new[] { "har-source", "har-features", "har-recogniser", "har-sink" })
        {
            Assert.True(histograms.ContainsKey((id, "dataflow.har.stage_latency", role)), $"no stage latency of {role}");
            Assert.True(queues.ContainsKey((id, role)), $"no queue length of {role}");
            Assert.InRange(queues[(id, role)], 0, 2);
        }
        Assert.Equal(r.DroppedFrames, dropped.Where(d => d.Key.Job == id).Sum(d => d.Value));
        Assert.True(r.DroppedFrames > 0, "the overloaded stream dropped no frames");
    }

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString() ?? "";
            }
        }
        return "";
    }
}
