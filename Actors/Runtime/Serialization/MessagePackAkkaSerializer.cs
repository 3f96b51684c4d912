using System.Collections.Concurrent;
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
/// </remarks>
public sealed class MessagePackAkkaSerializer : SerializerWithStringManifest
{
    private static readonly ConcurrentDictionary<string, Type> s_types = new();
    private static readonly ConcurrentDictionary<Type, string> s_manifests = new();
    private readonly MessagePackSerializerOptions _options;

    /// <summary>Creates the serializer for <paramref name="system"/> (called by Akka).</summary>
    public MessagePackAkkaSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = CreateOptions(system);
    }

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
        var type = s_types.GetOrAdd(manifest, ResolveType);
        return MessagePackSerializer.Deserialize(type, bytes, _options)
            ?? throw new SerializationException($"MessagePack payload of {manifest} decoded to null");
    }

    /// <inheritdoc />
    public override string Manifest(object o) => s_manifests.GetOrAdd(o.GetType(), t => t.FullName!);

    private static Type ResolveType(string manifest) =>
        typeof(IDataflowMessage).Assembly.GetType(manifest)
        ?? Type.GetType(manifest)
        ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(manifest)).FirstOrDefault(t => t is not null)
        ?? throw new SerializationException($"unknown message type '{manifest}'");

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
