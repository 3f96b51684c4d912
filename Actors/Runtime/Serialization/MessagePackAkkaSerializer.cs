using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using MessagePack.Resolvers;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Dataflow.Actors.Runtime.Serialization;

/// <summary>Akka serializer for every <see cref="IDataflowMessage"/>: MessagePack with string manifests.</summary>
/// <remarks>
/// <para>Identifier 111 (bound in <c>hocon/dataflow.conf</c>). The manifest is the message type's full name, so
/// renaming or moving a message type changes the wire. Every type on the wire has an explicit contract and is written
/// as an array by integer key; a type without one fails to serialize, naming itself. Numeric arrays are written as
/// one contiguous little-endian block (<see cref="PrimitiveArrayResolver"/>); actor references travel as paths. Job
/// payloads and checkpoint bodies use the same options (<see cref="Workload.PayloadOptions"/>).</para>
/// <para>Adding a message:</para>
/// <list type="number">
/// <item>A <c>sealed record</c> implementing <see cref="IDataflowMessage"/> (or <see cref="IStageMessage"/>), marked
/// <c>[MessagePackObject]</c>, each primary-constructor parameter marked <c>[property: Key(n)]</c> with n = 0, 1, 2...
/// in order, derived get-only properties <c>[IgnoreMember]</c>; every type it carries is marked the same way:
/// <code>
/// [MessagePackObject]
/// public sealed record JobPaused(
///     [property: Key(0)] string JobId,
///     [property: Key(1)] string Reason) : IDataflowMessage;
/// </code></item>
/// <item>Keys are for ever. A new member goes last with the next unused key; bytes of an older build decode it as its
/// type's default (0, false, null), not the constructor's default value. Never reuse, renumber or retype a key; a
/// removed member's key stays retired. A change to a checkpoint's body that an older build cannot read raises the
/// checkpoint's <c>FormatVersion</c> (see <see cref="CheckpointEnvelope"/>).</item>
/// <item>Golden bytes: run <c>DATAFLOW_UPDATE_GOLDEN=1 dotnet test Tests/Tests.csproj --filter
/// FullyQualifiedName~WireFormatSpec</c> to write <c>Tests/Actors/Runtime/Serialization/Golden/&lt;type&gt;.hex</c>,
/// review the diff and commit it. <c>WireFormatSpec</c> fails for a wire type without a contract or golden bytes, and
/// for any change to the bytes of one that has them.</item>
/// </list>
/// <para>Only allowed types are decoded (<see cref="IsAllowed"/>): the concrete <see cref="IDataflowMessage"/> types of
/// this assembly and of every registered workload's assembly, and the workloads' payload types. A manifest naming any
/// other type, whatever assemblies are loaded, is refused with a <see cref="SerializationException"/> naming it.</para>
/// </remarks>
public sealed class MessagePackAkkaSerializer : SerializerWithStringManifest
{
    // The allow-list, by full name and by "full name, assembly name" (the manifest form Akka uses for a Type).
    private static readonly ConcurrentDictionary<string, Type> s_types = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Assembly, bool> s_assemblies = new();
    private static readonly ConcurrentDictionary<Type, string> s_manifests = new();
    private readonly MessagePackSerializerOptions _options;

    /// <summary>Creates the serializer for <paramref name="system"/> (called by Akka).</summary>
    public MessagePackAkkaSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = CreateOptions(system);
        // The built-in workloads register themselves (and their assemblies' messages) on first use of the registry.
        RuntimeHelpers.RunClassConstructor(typeof(Workloads).TypeHandle);
        AllowMessagesOf(typeof(IDataflowMessage).Assembly);
    }

    /// <summary>Allows every concrete <see cref="IDataflowMessage"/> type of <paramref name="assembly"/> on the wire
    /// (done for each registered workload's assembly).</summary>
    public static void AllowMessagesOf(Assembly assembly)
    {
        if (!s_assemblies.TryAdd(assembly, true))
        {
            return;
        }
        foreach (var type in assembly.GetTypes().Where(t =>
                     typeof(IDataflowMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false }))
        {
            Allow(type);
        }
    }

    /// <summary>Allows <paramref name="type"/> on the wire (a workload's payload type, say).</summary>
    public static void Allow(Type type)
    {
        s_types[type.FullName!] = type;
        s_types[$"{type.FullName}, {type.Assembly.GetName().Name}"] = type;
    }

    /// <summary>True when a manifest naming <paramref name="manifest"/> is decoded.</summary>
    public static bool IsAllowed(string manifest) => s_types.ContainsKey(manifest);

    /// <inheritdoc />
    public override int Identifier => 111;

    /// <summary>Options used by this serializer; <paramref name="system"/> resolves actor references (may be null). Types
    /// without a <c>[MessagePackObject]</c> contract are refused (<see cref="ContractRequiredResolver"/>).</summary>
    public static MessagePackSerializerOptions CreateOptions(ExtendedActorSystem? system) =>
        new ActorSystemOptions(
            CompositeResolver.Create(
                PrimitiveArrayResolver.Instance,
                new ActorRefResolver(),
                StandardResolver.Instance,
                ContractRequiredResolver.Instance),
            system);

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj, _options);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = s_types.TryGetValue(manifest, out var allowed) ? allowed
            : throw new SerializationException($"refused to decode a message of type '{manifest}': not a Dataflow message type " +
                "(only IDataflowMessage types of the runtime and registered workloads, and workload payloads, are allowed)");
        return MessagePackSerializer.Deserialize(type, bytes, _options)
            ?? throw new SerializationException($"MessagePack payload of {manifest} decoded to null");
    }

    /// <inheritdoc />
    public override string Manifest(object o) => s_manifests.GetOrAdd(o.GetType(), t => t.FullName!);

    /// <summary>MessagePack options that carry the actor system used to resolve actor references.</summary>
    internal sealed class ActorSystemOptions : MessagePackSerializerOptions
    {
        public ActorSystemOptions(IFormatterResolver resolver, ExtendedActorSystem? system)
            : base(resolver)
        {
            System = system;
        }

        private ActorSystemOptions(ActorSystemOptions copyFrom) : base(copyFrom)
        {
            System = copyFrom.System;
        }

        public ExtendedActorSystem? System { get; }

        protected override MessagePackSerializerOptions Clone() => new ActorSystemOptions(this);
    }
}
