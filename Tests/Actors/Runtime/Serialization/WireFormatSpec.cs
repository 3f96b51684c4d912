using System.Reflection;
using Akka.Actor;
using Akka.Serialization;
using Dataflow.Actors.Md;
using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Train;
using MessagePack;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>The wire format of every type that crosses nodes or is written to a checkpoint, pinned byte for byte.</summary>
/// <remarks>
/// Key convention (see also <see cref="MessagePackAkkaSerializer"/>): a wire type is a record marked
/// <c>[MessagePackObject]</c> whose primary-constructor parameters carry <c>[property: Key(n)]</c>, n = 0, 1, 2...
/// in parameter order when the type is written. A new member goes last with the next unused key (bytes from an older
/// build decode it as its type's default: 0, false, null); a key is never reused, renumbered or retyped, and a removed
/// member's key stays retired. Derived get-only properties are <c>[IgnoreMember]</c>. Every wire type has golden bytes in
/// <c>Golden/&lt;full name without "Dataflow."&gt;.hex</c>, written from the sample <see cref="WireSamples"/> derives
/// from its keys: run these tests once with <c>DATAFLOW_UPDATE_GOLDEN=1</c> to write them, and review the diff.
/// </remarks>
public sealed class WireFormatSpec(WireFormatSpec.SystemFixture fixture) : IClassFixture<WireFormatSpec.SystemFixture>
{
    private ExtendedActorSystem Sys => fixture.System;

    public static TheoryData<Type> Types()
    {
        var data = new TheoryData<Type>();
        foreach (var type in WireTypes.All())
        {
            data.Add(type);
        }
        return data;
    }

    [Fact]
    public void Finds_the_messages_payloads_checkpoints_and_what_they_carry()
    {
        var names = WireTypes.All().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var expected in new[]
        {
            nameof(SubmitJob), nameof(ReplicateCheckpoint), nameof(NqsSampleWork), nameof(NqsJobSpec), nameof(NqsCheckpoint),
            nameof(MdCheckpoint), nameof(AtomPacket), nameof(GhostPacket), nameof(SampleResult), nameof(LogicalWorkerState),
            nameof(WorkerGradient), nameof(TrainSettings), "VmcIteration", "EnergyStatistics", "ThermoSample", "NodeTelemetry",
        })
        {
            Assert.Contains(expected, names);
        }
        Assert.DoesNotContain(nameof(IActorRef), names);
    }

    [Fact]
    public void Every_workload_names_its_payload_type()
    {
        Assert.Equal(["dp-train", "fci", "fl", "har", "har-train", "md", "nqs", "sft", "train", "tune"], WireTypes.Payloads.Keys.Order(StringComparer.Ordinal));
        foreach (var (verb, type) in WireTypes.Payloads)
        {
            Assert.True(type.GetCustomAttribute<MessagePackObjectAttribute>() is not null, $"{verb}: {type} has no contract");
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_wire_type_has_an_explicit_contract_with_integer_keys(Type type)
    {
        var contract = type.GetCustomAttribute<MessagePackObjectAttribute>();
        Assert.True(contract is { KeyAsPropertyName: false }, $"{type.FullName} is not [MessagePackObject] with integer keys");
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var keys = new Dictionary<int, string>();
        foreach (var property in properties.Where(p => p.GetCustomAttribute<IgnoreMemberAttribute>() is null))
        {
            var key = property.GetCustomAttribute<KeyAttribute>()?.IntKey;
            Assert.True(key is >= 0, $"{type.FullName}.{property.Name} has no [Key(n)] (or [IgnoreMember] if it is derived)");
            Assert.True(keys.TryAdd(key!.Value, property.Name),
                $"{type.FullName}: key {key} is used by both {keys.GetValueOrDefault(key.Value)} and {property.Name}");
        }
        foreach (var parameter in WireSamples.Constructor(type).Constructor.GetParameters())
        {
            Assert.True(keys.ContainsValue(parameter.Name!),
                $"{type.FullName}: constructor parameter {parameter.Name} is not a keyed property, so it would not travel");
        }
    }

    [Fact]
    public void A_type_without_a_contract_is_refused_naming_it()
    {
        var e = Assert.ThrowsAny<MessagePackSerializationException>(
            () => MessagePackSerializer.Serialize(new Uncontracted(1, "a"), Workload.PayloadOptions));

        var message = string.Join(" | ", Chain(e).Select(x => x.Message));
        Assert.Contains($"{typeof(Uncontracted).FullName} has no MessagePack contract", message);
        Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<Uncontracted>(
            MessagePackSerializer.Serialize(new Dictionary<string, object> { ["A"] = 1, ["B"] = "a" }), Workload.PayloadOptions));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Serialized_bytes_match_the_golden_bytes(Type type)
    {
        var bytes = MessagePackSerializer.Serialize(type, WireSamples.Create(type), Workload.PayloadOptions);

        GoldenFiles.AssertMatches(type.FullName!, GoldenFiles.NameOf(type), bytes);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Round_trips_member_for_member(Type type)
    {
        var sample = WireSamples.Create(type);
        var options = MessagePackAkkaSerializer.CreateOptions(Sys);

        var back = MessagePackSerializer.Deserialize(type, MessagePackSerializer.Serialize(type, sample, options), options);

        WireEquality.AssertEqual(sample, back, type.Name);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Messages_round_trip_through_the_actor_system_serializer(Type type)
    {
        if (!typeof(IDataflowMessage).IsAssignableFrom(type))
        {
            return;
        }
        var message = WireSamples.Create(type);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<MessagePackAkkaSerializer>(serializer);

        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, serializer.Manifest(message));

        WireEquality.AssertEqual(message, back, type.Name);
    }

    [Fact]
    public void Checkpoint_envelopes_match_the_golden_bytes()
    {
        var nqs = (NqsCheckpoint)WireSamples.Create(typeof(NqsCheckpoint));
        var md = (MdCheckpoint)WireSamples.Create(typeof(MdCheckpoint));

        GoldenFiles.AssertMatches("NqsCheckpoint.ToBytes()", GoldenFiles.NameOf(typeof(NqsCheckpoint), "envelope"), nqs.ToBytes());
        GoldenFiles.AssertMatches("MdCheckpoint.ToBytes()", GoldenFiles.NameOf(typeof(MdCheckpoint), "envelope"), md.ToBytes());
    }

    [Fact]
    public void Every_golden_file_belongs_to_a_wire_type()
    {
        var expected = WireTypes.All().Select(t => GoldenFiles.NameOf(t))
            .Concat(WireTypes.Checkpoints.Select(t => GoldenFiles.NameOf(t, "envelope")))
            .ToHashSet(StringComparer.Ordinal);
        var stale = Directory.GetFiles(GoldenFiles.Directory, "*.hex").Select(Path.GetFileName)
            .Where(name => !name!.StartsWith("Legacy.", StringComparison.Ordinal) && !expected.Contains(name!))
            .ToArray();
        if (GoldenFiles.Updating)
        {
            foreach (var name in stale)
            {
                File.Delete(Path.Combine(GoldenFiles.Directory, name!));
            }
            return;
        }
        Assert.True(stale.Length == 0, $"golden files of no wire type (a type was renamed or removed?): {string.Join(", ", stale)}");
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>A record as messages were written before contracts: it must not serialize.</summary>
    public sealed record Uncontracted(int A, string B);

    /// <summary>One actor system for every case: it resolves the actor references of decoded messages.</summary>
    public sealed class SystemFixture : IDisposable
    {
        public ExtendedActorSystem System { get; } =
            (ExtendedActorSystem)ActorSystem.Create("wire-format-spec", DataflowNode.LoadConfig(new NodeOptions()));

        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}
