using Dataflow.Actors.Runtime.Telemetry;
using MessagePack;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

public sealed class TelemetryProtocolSpec
{
    private static readonly StageSample _sample =
        new("job \"1\"", "sampler", "w7", "10.0.0.2:4053", 12, 0.1 + 0.2, 3456, 789, 1L << 40, 5, 123.456);

    [Fact]
    public void Stage_sample_round_trips_as_an_integer_keyed_array()
    {
        var bytes = MessagePackSerializer.Serialize(_sample);

        Assert.Equal(0x9b, bytes[0]); // fixarray of 11: [Key(n)] members, not a string-keyed map
        Assert.Equal(_sample, MessagePackSerializer.Deserialize<StageSample>(bytes));
    }

    [Fact]
    public void Node_and_cluster_telemetry_round_trip()
    {
        var node = new NodeTelemetry(new NodeSample("10.0.0.2:4053", 1 << 20, 3 << 20, 1_700_000_000_000), [_sample, _sample with { Worker = "w8" }]);

        var back = MessagePackSerializer.Deserialize<NodeTelemetry>(MessagePackSerializer.Serialize(node));

        Assert.Equal(node.Node, back.Node);
        Assert.Equal(node.Stages, back.Stages);

        var cluster = TelemetryAggregate.Merge([node]);
        var clusterBack = MessagePackSerializer.Deserialize<ClusterTelemetry>(MessagePackSerializer.Serialize(cluster));
        Assert.Equal(cluster.Stages, clusterBack.Stages);
        Assert.Equal(cluster.Nodes, clusterBack.Nodes);
        Assert.Equal(2, clusterBack.Stages.Single().Workers);
    }
}
