using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using MessagePack.Resolvers;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Dataflow.Actors.Runtime.Serialization;

/// <summary>Akka serializer for every <see cref="IDataflowMessage"/>: MessagePack with string manifests.</summary>
/// <remarks>
/// Identifier 111 (bound in <c>hocon/dataflow.conf</c>). The manifest is the message type's full name; plain
/// records need no attributes (contractless resolver, keyed by property name); numeric arrays are written as
/// one contiguous little-endian block (<see cref="PrimitiveArrayResolver"/>); actor references travel as paths.
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

    /// <summary>Options used by this serializer; <paramref name="system"/> resolves actor references (may be null).</summary>
    public static MessagePackSerializerOptions CreateOptions(ExtendedActorSystem? system) =>
        new ActorSystemOptions(
            CompositeResolver.Create(
                PrimitiveArrayResolver.Instance,
                new ActorRefResolver(),
                ContractlessStandardResolverAllowPrivate.Instance),
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
