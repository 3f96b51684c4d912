using System.Runtime.InteropServices;
using Dataflow.Actors.Runtime.Telemetry;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

public sealed class TelemetryCollectorSpec
{
    // Every test gets its own node and job: the meter is process-wide and tests run in parallel.
    private readonly string _node = $"node-{Guid.NewGuid():N}:4053";
    private readonly string _job = $"job-{Guid.NewGuid():N}";

    [Fact]
    public void Recorded_messages_items_and_bytes_appear_with_their_tags_and_totals()
    {
        using var collector = new TelemetryCollector(_node);
        using var w0 = new StageTelemetry(_job, "sampler", "w0", _node);
        using var w1 = new StageTelemetry(_job, "sampler", "w1", _node);
        using var elsewhere = new StageTelemetry(_job, "sampler", "w0", "another-node:4053");

        w0.RecordMessage(TimeSpan.FromMilliseconds(250));
        w0.RecordMessage(TimeSpan.FromMilliseconds(250));
        using (w0.MeasureMessage())
        {
            w0.AddItems(10);
            w0.AddItems(5);
            w0.AddBytesIn(1000);
            w0.AddBytesOut(24);
        }
        w1.RecordMessage(TimeSpan.FromSeconds(1));
        w1.AddItems(7);
        elsewhere.AddItems(1000);
        elsewhere.RecordMessage(TimeSpan.FromSeconds(3));

        var snapshot = collector.Snapshot();

        Assert.Equal(_node, snapshot.Node.Node);
        Assert.Equal(["w0", "w1"], snapshot.Stages.Select(s => s.Worker));
        Assert.All(snapshot.Stages, s => Assert.Equal((_job, "sampler", _node), (s.Job, s.Stage, s.Node)));
        var first = snapshot.Stages[0];
        Assert.Equal(3, first.Messages);
        Assert.InRange(first.BusySeconds, 0.5, 0.5 + 5.0);
        Assert.Equal(15, first.Items);
        Assert.Equal(1000, first.BytesIn);
        Assert.Equal(24, first.BytesOut);
        var second = snapshot.Stages[1];
        Assert.Equal(1, second.Messages);
        Assert.Equal(1.0, second.BusySeconds);
        Assert.Equal(7, second.Items);
        Assert.Equal(0, second.BytesIn);
        Assert.Equal(0, second.MailboxDepth);
    }

    [Fact]
    public void Totals_are_cumulative_across_snapshots_and_start_with_the_collector()
    {
        using var early = new StageTelemetry(_job, "reducer", "r0", _node);
        early.AddItems(99); // before any collector: a MeterListener does not see the past

        using var collector = new TelemetryCollector(_node);
        early.AddItems(1);
        Assert.Equal(1, Assert.Single(collector.Snapshot().Stages).Items);
        early.AddItems(2);
        early.AddBytesOut(8);
        var sample = Assert.Single(collector.Snapshot().Stages);
        Assert.Equal((3, 8), (sample.Items, sample.BytesOut));
    }

    [Fact]
    public void Items_per_second_is_the_rate_over_the_sliding_window()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        using var collector = new TelemetryCollector(_node, TimeSpan.FromSeconds(10), clock);
        using var stage = new StageTelemetry(_job, "md", "domain-0", _node);

        stage.AddItems(100); // first measurement at t = 0
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(50.0, Rate()); // 100 items / 2 s since the stage appeared

        stage.AddItems(300);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(80.0, Rate()); // t = 5: 400 / 5, the stage is younger than the window

        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(30.0, Rate()); // t = 12: origin is the t = 2 snapshot (items 100), (400 - 100) / 10

        clock.Advance(TimeSpan.FromSeconds(17));
        stage.AddItems(200);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200.0 / 18.0, Rate(), 12); // t = 30: origin is the t = 12 snapshot (items 400)
        Assert.Equal(200.0 / 18.0, Rate(), 12); // a second reader at the same instant sees the same rate

        Assert.Equal(30_000, collector.Snapshot().Node.TimestampUnixMs);

        double Rate() => Assert.Single(collector.Snapshot().Stages).ItemsPerSecond;
    }

    [Fact]
    public void Mailbox_depth_comes_from_the_reader_else_the_reported_value_and_is_zero_after_dispose()
    {
        using var collector = new TelemetryCollector(_node);
        var stage = new StageTelemetry(_job, "frames", "source", _node);
        stage.ReportMailboxDepth(7);
        Assert.Equal(7, Depth());

        var depth = 3;
        stage.SetMailboxDepth(() => depth);
        Assert.Equal(3, Depth());
        depth = 11;
        Assert.Equal(11, Depth());

        stage.SetMailboxDepth(() => throw new InvalidOperationException("actor stopped"));
        Assert.Equal(7, Depth());

        stage.Dispose();
        Assert.Equal(0, Depth());

        int Depth() => Assert.Single(collector.Snapshot().Stages).MailboxDepth;
    }

    [Fact]
    public void Removed_jobs_disappear_from_snapshots()
    {
        using var collector = new TelemetryCollector(_node);
        using var kept = new StageTelemetry(_job, "a", "0", _node);
        using var ended = new StageTelemetry(_job + "-ended", "a", "0", _node);
        kept.AddItems(1);
        ended.AddItems(1);
        Assert.Equal(2, collector.Snapshot().Stages.Length);

        collector.RemoveJob(_job + "-ended");
        Assert.Equal(_job, Assert.Single(collector.Snapshot().Stages).Job);
    }

    [Fact]
    public void Native_memory_grows_with_a_native_allocation()
    {
        using var collector = new TelemetryCollector(_node);
        var before = collector.Snapshot().Node;
        Assert.True(before.ManagedBytes > 0);

        const int size = 128 << 20;
        var block = Marshal.AllocHGlobal(size);
        try
        {
            // Touch every page so that it becomes resident.
            for (var offset = 0; offset < size; offset += 4096)
            {
                Marshal.WriteByte(block, offset, 1);
            }
            var after = collector.Snapshot().Node;
            // Half the block, leaving room for the GC committing or releasing memory meanwhile.
            Assert.True(after.NativeBytes - before.NativeBytes >= size / 2,
                $"native bytes went from {before.NativeBytes} to {after.NativeBytes} after touching {size} bytes");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }
}
