using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Serialization;
using Xunit;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>The serializer decodes only the project's message and payload types, whatever assemblies are loaded.</summary>
public sealed class SerializerAllowListSpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions()), "allow-list-spec")
{
    private SerializerWithStringManifest Serializer =>
        (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new CancelJob("j", "r"));

    [Theory]
    // A loaded framework type, a loaded Akka type, and a MessagePack contract of the project that is no message.
    [InlineData("System.Diagnostics.Process")]
    [InlineData("Akka.Actor.PoisonPill")]
    [InlineData("Dataflow.Kernels.Train.TrainSettings")]
    [InlineData("System.Diagnostics.Process, System.Diagnostics.Process")]
    public void A_foreign_manifest_is_refused_naming_the_type(string manifest)
    {
        Assert.NotNull(Type.GetType(manifest) ?? AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(manifest.Split(',')[0])).FirstOrDefault(t => t is not null));

        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary([0x90], manifest));

        Assert.Contains($"'{manifest}'", e.Message);
        Assert.False(MessagePackAkkaSerializer.IsAllowed(manifest));
    }

    [Fact]
    public void Messages_and_workload_payloads_are_allowed()
    {
        var message = new CancelJob("job", "reason");
        var back = Serializer.FromBinary(Serializer.ToBinary(message), Serializer.Manifest(message));

        Assert.Equal(message, back);
        Assert.True(MessagePackAkkaSerializer.IsAllowed(typeof(SubmitJob).FullName!));
        foreach (var name in Workloads.Names)
        {
            Assert.True(MessagePackAkkaSerializer.IsAllowed(Workloads.Find(name)!.PayloadType.FullName!), name);
        }
    }
}
