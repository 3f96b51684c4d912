using Akka.Actor;
using MessagePack;
using MessagePack.Formatters;

namespace Dataflow.Actors.Runtime.Serialization;

/// <summary>Writes actor references as their full remote path and resolves them on the receiving system.</summary>
internal sealed class ActorRefResolver : IFormatterResolver
{
    public IMessagePackFormatter<T>? GetFormatter<T>() =>
        typeof(T) == typeof(IActorRef) ? (IMessagePackFormatter<T>)(object)ActorRefFormatter.Instance : null;

    private sealed class ActorRefFormatter : IMessagePackFormatter<IActorRef?>
    {
        public static readonly ActorRefFormatter Instance = new();

        public void Serialize(ref MessagePackWriter writer, IActorRef? value, MessagePackSerializerOptions options)
        {
            if (value is null || value.IsNobody())
            {
                writer.WriteNil();
                return;
            }
            writer.Write(Akka.Serialization.Serialization.SerializedActorPath(value));
        }

        public IActorRef? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return ActorRefs.Nobody;
            }
            var path = reader.ReadString()!;
            var system = (options as MessagePackAkkaSerializer.ActorSystemOptions)?.System
                ?? throw new MessagePackSerializationException("actor references need an actor system to resolve");
            return system.Provider.ResolveActorRef(path);
        }
    }
}
