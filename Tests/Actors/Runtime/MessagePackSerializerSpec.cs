using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Train;
using Dataflow.Tests.Support;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

public sealed class MessagePackSerializerSpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions()), "serializer-spec")
{
    private static IEnumerable<Type> AllMessageTypes() =>
        typeof(IDataflowMessage).Assembly.GetTypes()
            .Concat(typeof(DataflowCluster).Assembly.GetTypes())
            .Where(t => typeof(IDataflowMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static TheoryData<Type> MessageTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var type in AllMessageTypes())
        {
            data.Add(type);
        }
        return data;
    }

    [Fact]
    public void Finds_the_messages_of_every_protocol()
    {
        var names = AllMessageTypes().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(nameof(SubmitJob), names);
        Assert.Contains(nameof(TrainGradients), names);
        Assert.Contains(nameof(ClusterStatus), names);
        Assert.True(names.Count >= 20, $"only {names.Count} message types found");
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_message_is_bound_to_MessagePack_and_round_trips(Type type)
    {
        var message = new SampleValues(TestActor).Create(type);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<MessagePackAkkaSerializer>(serializer);
        Assert.Equal(111, serializer.Identifier);

        var manifest = ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message);
        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(type, back);
        // Records with arrays do not compare by value; equal bytes after a second trip prove nothing was lost.
        Assert.Equal(bytes, serializer.ToBinary(back));
        Assert.Equal(message.ToString(), back.ToString());
    }

    [Fact]
    public void A_million_float_gradient_travels_as_one_contiguous_block()
    {
        var gradient = Enumerable.Range(0, 1_000_000).Select(i => (float)Math.Sin(i)).ToArray();
        var state = new SampleValues(TestActor).Create(typeof(LogicalWorkerState));
        var message = new TrainGradients("job", 1, 2, "node",
            [new WorkerGradient(0, gradient, 0.5, 16, (LogicalWorkerState)state)], 0.1);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);

        // 4 bytes per float plus a few hundred bytes of envelope; per-element encoding would need 5 MB.
        Assert.InRange(bytes.Length, 4_000_000, 4_001_000);
        var back = (TrainGradients)Sys.Serialization.Deserialize(bytes, 111, typeof(TrainGradients).FullName!);
        Assert.Equal(gradient, back.Gradients[0].Gradient);
    }

    [Fact]
    public void Actor_references_resolve_on_the_receiving_system()
    {
        var message = new SubmitJob(new JobSpec("j", "train", [1, 2]), TestActor);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var back = (SubmitJob)serializer.FromBinary(serializer.ToBinary(message), typeof(SubmitJob));
        back.Client.Tell("ping");
        ExpectMsg("ping");
    }
}
