using System.Buffers;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace Dataflow.Actors.Runtime.Serialization;

/// <summary>Writes <c>float[]</c>, <c>double[]</c>, <c>int[]</c>, <c>long[]</c> as one MessagePack bin block.</summary>
/// <remarks>
/// The standard formatters write one MessagePack value per element (a type byte each, then a byte swap);
/// a 1M-float gradient then costs 5 MB and a per-element loop. A bin block is 4 MB copied in one go.
/// Little-endian layout, which every supported platform is.
/// </remarks>
public sealed class PrimitiveArrayResolver : IFormatterResolver
{
    /// <summary>The shared instance.</summary>
    public static readonly PrimitiveArrayResolver Instance = new();

    /// <inheritdoc />
    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = (IMessagePackFormatter<T>?)Create(typeof(T));
    }

    private static object? Create(Type t) =>
        t == typeof(float[]) ? new BlockFormatter<float>()
        : t == typeof(double[]) ? new BlockFormatter<double>()
        : t == typeof(int[]) ? new BlockFormatter<int>()
        : t == typeof(long[]) ? new BlockFormatter<long>()
        : null;

    private sealed class BlockFormatter<TElement> : IMessagePackFormatter<TElement[]?>
        where TElement : unmanaged
    {
        public void Serialize(ref MessagePackWriter writer, TElement[]? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }
            writer.Write(MemoryMarshal.AsBytes(value.AsSpan()));
        }

        public TElement[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return null;
            }
            var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("expected a bin block");
            var size = Marshal.SizeOf<TElement>();
            if (bytes.Length % size != 0)
            {
                throw new MessagePackSerializationException(
                    $"bin block of {bytes.Length} bytes is not a whole number of {typeof(TElement).Name}");
            }
            var result = new TElement[bytes.Length / size];
            bytes.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
            return result;
        }
    }
}
