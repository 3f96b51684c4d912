using System.Buffers;
using System.Security.Cryptography;
using MessagePack;

namespace Dataflow.Actors.Runtime.Serialization;

/// <summary>The versioned frame of every MessagePack checkpoint: a four-element array
/// <c>["dataflow-checkpoint", kind, format, [body, sha256]]</c>, the body's MessagePack bytes sealed with their
/// SHA-256.</summary>
/// <remarks>
/// The frame itself never changes, so any build can name what it was given: a checkpoint of another kind or format
/// version, the property-name-keyed maps written before checkpoints were versioned (format 0), a train checkpoint
/// (its own <c>DFTRAIN</c> binary format), or bytes that are no checkpoint at all. Each checkpoint type owns its kind
/// and its format version; a change to the body's contract that an older reader cannot decode raises the version.
/// The seal (format 2 of nqs and md; format 1 bodies were not sealed) makes a truncated, corrupted or edited body a
/// refusal rather than a resumed job with wrong numbers: a checkpoint whose parameters were altered, signs flipped
/// say, decodes as well as the original.
/// </remarks>
public static class CheckpointEnvelope
{
    /// <summary>The first element of every frame.</summary>
    public const string Magic = "dataflow-checkpoint";

    /// <summary>The format of the maps keyed by property name that the dataflow wrote before versioned checkpoints.</summary>
    public const int UnversionedFormat = 0;

    private static ReadOnlySpan<byte> TrainMagic => "DFTRAIN\0"u8;

    /// <summary>Frames <paramref name="body"/> (serialized with <see cref="Workload.PayloadOptions"/>) with its SHA-256.</summary>
    public static byte[] Write<T>(string kind, int format, T body)
    {
        var bodyBytes = MessagePackSerializer.Serialize(body, Workload.PayloadOptions);
        return Frame(kind, format, bodyBytes, SHA256.HashData(bodyBytes));
    }

    /// <summary>The frame of <paramref name="body"/> (MessagePack bytes) sealed with <paramref name="sha256"/>, as
    /// <see cref="Write{T}"/> writes it; for tools and tests that build a frame of their own.</summary>
    public static byte[] Frame(string kind, int format, ReadOnlySpan<byte> body, ReadOnlySpan<byte> sha256)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(Magic);
        writer.Write(kind);
        writer.Write(format);
        writer.WriteArrayHeader(2);
        writer.Write(body);
        writer.Write(sha256);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The body of a <paramref name="kind"/> checkpoint of format <paramref name="format"/>; throws
    /// <see cref="InvalidDataException"/> naming what it found instead and what this build reads.</summary>
    /// <param name="unversionedKeys">The top-level keys of this kind's format-0 map, to recognise it.</param>
    public static T Read<T>(byte[] bytes, string kind, int format, IReadOnlyCollection<string> unversionedKeys)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new MessagePackReader(bytes);
        var (foundKind, foundFormat) = ReadHeader(ref reader, bytes, kind, format, unversionedKeys);
        if (foundKind != kind)
        {
            throw new InvalidDataException(
                $"this is a checkpoint of the {foundKind} workload (format {foundFormat}), not of the {kind} workload");
        }
        if (foundFormat != format)
        {
            throw new InvalidDataException(Refusal(kind, foundFormat, format,
                foundFormat > format ? "written by a newer dataflow" : "written by an older dataflow"));
        }
        try
        {
            if (reader.ReadArrayHeader() != 2)
            {
                throw new InvalidDataException($"{kind} checkpoint format {format} is corrupt: its body is not sealed");
            }
            var sealedBody = reader.ReadBytes()?.ToArray()
                ?? throw new InvalidDataException($"{kind} checkpoint format {format} holds no {kind} state");
            var sha256 = reader.ReadBytes()?.ToArray() ?? [];
            if (!reader.End)
            {
                throw new InvalidDataException(
                    $"{kind} checkpoint format {format} has {bytes.Length - reader.Consumed} unexpected trailing bytes");
            }
            if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(sealedBody), sha256))
            {
                throw new InvalidDataException(
                    $"{kind} checkpoint format {format} fails its SHA-256 check: it was truncated, corrupted or altered");
            }
            var body = MessagePackSerializer.Deserialize<T>(sealedBody, Workload.PayloadOptions);
            return body ?? throw new InvalidDataException($"{kind} checkpoint format {format} holds no {kind} state");
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw new InvalidDataException($"{kind} checkpoint format {format} is truncated or corrupt: {Innermost(e).Message}", e);
        }
    }

    private static (string Kind, int Format) ReadHeader(ref MessagePackReader reader, byte[] bytes, string kind, int format,
        IReadOnlyCollection<string> unversionedKeys)
    {
        var reads = $"this build reads {kind} checkpoint format {format}";
        if (bytes.Length == 0)
        {
            throw new InvalidDataException($"empty input is not a {kind} checkpoint; {reads}");
        }
        if (bytes.AsSpan().StartsWith(TrainMagic))
        {
            throw new InvalidDataException($"this is a checkpoint of the train workload (DFTRAIN binary format), not of the {kind} workload");
        }
        try
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    var keys = MapKeys(reader);
                    if (keys.Count == unversionedKeys.Count && keys.All(unversionedKeys.Contains))
                    {
                        throw new InvalidDataException(
                            Refusal(kind, UnversionedFormat, format, "written by a dataflow before versioned checkpoints"));
                    }
                    break;
                case MessagePackType.Array:
                    if (reader.ReadArrayHeader() == 4 && reader.NextMessagePackType == MessagePackType.String
                        && reader.ReadString() == Magic)
                    {
                        var foundKind = reader.ReadString() ?? "";
                        return (foundKind, reader.ReadInt32());
                    }
                    break;
            }
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            // Not MessagePack, or cut short inside the frame: reported below as not a checkpoint.
        }
        var head = Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)));
        throw new InvalidDataException($"{bytes.Length} bytes starting 0x{head} are not a dataflow {kind} checkpoint; {reads}");
    }

    private static string Refusal(string kind, int found, int format, string origin) =>
        $"{kind} checkpoint format {found} ({origin}) cannot be read by this build (format {format}); restart the job from its spec";

    /// <summary>The string keys of the map at the reader (a copy of it, so the caller's position is kept).</summary>
    private static HashSet<string> MapKeys(MessagePackReader reader)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                return [];
            }
            keys.Add(reader.ReadString()!);
            reader.Skip();
        }
        return keys;
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
