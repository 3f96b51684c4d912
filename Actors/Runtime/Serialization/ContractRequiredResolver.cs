using MessagePack;
using MessagePack.Formatters;

namespace Dataflow.Actors.Runtime.Serialization;

/// <summary>The last resolver of <see cref="MessagePackAkkaSerializer.CreateOptions"/>: reached only by a type no other
/// resolver writes, that is a class or struct without a <c>[MessagePackObject]</c> contract, it fails naming the type.</summary>
internal sealed class ContractRequiredResolver : IFormatterResolver
{
    public static readonly ContractRequiredResolver Instance = new();

    public IMessagePackFormatter<T> GetFormatter<T>() =>
        throw new MessagePackSerializationException(
            $"{typeof(T).FullName} has no MessagePack contract: a type that crosses nodes or goes into a checkpoint is marked "
            + "[MessagePackObject] with [property: Key(n)] on its members (see MessagePackAkkaSerializer)");
}
