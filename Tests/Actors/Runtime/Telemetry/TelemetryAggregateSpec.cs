using Dataflow.Actors.Runtime.Telemetry;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

public sealed class TelemetryAggregateSpec
{
    private static StageSample Sample(string job, string stage, string worker, string node, long scale) =>
        new(job, stage, worker, node, Messages: 10 * scale, BusySeconds: 0.5 * scale, Items: 100 * scale,
            BytesIn: 1000 * scale, BytesOut: 2000 * scale, MailboxDepth: (int)scale, ItemsPerSecond: 1.5 * scale);

    private static readonly NodeTelemetry _nodeA = new(
        new NodeSample("a:4053", ManagedBytes: 100, NativeBytes: 1000, TimestampUnixMs: 5_000),
        [
            Sample("train", "worker", "0", "a:4053", 1),
            Sample("train", "worker", "1", "a:4053", 2),
            Sample("train", "reducer", "r", "a:4053", 4),
        ]);

    private static readonly NodeTelemetry _nodeB = new(
        new NodeSample("b:4053", ManagedBytes: 200, NativeBytes: 3000, TimestampUnixMs: 5_100),
        [
            Sample("train", "worker", "2", "b:4053", 8),
            Sample("nqs", "sampler", "0", "b:4053", 16),
        ]);

    [Fact]
    public void Merge_sums_stages_across_nodes_and_totals_each_node()
    {
        var cluster = TelemetryAggregate.Merge([_nodeB, _nodeA]);

        Assert.Equal([("nqs", "sampler"), ("train", "reducer"), ("train", "worker")],
            cluster.Stages.Select(s => (s.Job, s.Stage)));
        var workers = cluster.Stages[2];
        Assert.Equal(3, workers.Workers);
        Assert.Equal(10 * 11, workers.Messages); // scales 1 + 2 + 8
        Assert.Equal(0.5 * 11, workers.BusySeconds);
        Assert.Equal(100 * 11, workers.Items);
        Assert.Equal(1000 * 11, workers.BytesIn);
        Assert.Equal(2000 * 11, workers.BytesOut);
        Assert.Equal(11, workers.MailboxDepth);
        Assert.Equal(1.5 * 11, workers.ItemsPerSecond);
        Assert.Equal((1, 400L), (cluster.Stages[1].Workers, cluster.Stages[1].Items));

        Assert.Equal(["a:4053", "b:4053"], cluster.Nodes.Select(n => n.Node));
        var a = cluster.Nodes[0];
        Assert.Equal((100L, 1000L, 5_000L, 3), (a.ManagedBytes, a.NativeBytes, a.TimestampUnixMs, a.Stages));
        Assert.Equal((70L, 700L, 7L), (a.Messages, a.Items, a.MailboxDepth)); // scales 1 + 2 + 4
        var b = cluster.Nodes[1];
        Assert.Equal((200L, 3000L, 2, 24 * 1000L), (b.ManagedBytes, b.NativeBytes, b.Stages, b.BytesIn));

        // Both views account for every sample once.
        Assert.Equal(cluster.Stages.Sum(s => s.Items), cluster.Nodes.Sum(n => n.Items));
    }

    [Fact]
    public void Merge_keeps_only_the_latest_report_of_a_node()
    {
        var stale = _nodeA with { Node = _nodeA.Node with { TimestampUnixMs = 1_000, ManagedBytes = 1 }, Stages = [Sample("train", "worker", "0", "a:4053", 1000)] };
        var cluster = TelemetryAggregate.Merge([_nodeA, stale, _nodeB]);

        Assert.Equal(100, cluster.Nodes[0].ManagedBytes);
        Assert.Equal(100 * 11, cluster.Stages.Single(s => s.Stage == "worker").Items);

        var fresh = _nodeA with { Node = _nodeA.Node with { TimestampUnixMs = 9_000 }, Stages = [] };
        var later = TelemetryAggregate.Merge([_nodeA, fresh, _nodeB]);
        Assert.Equal(0, later.Nodes[0].Stages);
        Assert.Equal(100 * 8, later.Stages.Single(s => s.Stage == "worker").Items);
    }

    [Fact]
    public void Merge_of_nothing_is_empty()
    {
        var cluster = TelemetryAggregate.Merge([]);
        Assert.Empty(cluster.Stages);
        Assert.Empty(cluster.Nodes);
    }
}
