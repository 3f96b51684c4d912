using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Kernels.Nqs.Vmc;
using MessagePack;

namespace Dataflow.Actors.Nqs;

/// <summary>An nqs job's state after <paramref name="Iteration"/> iterations: parameters, AdamW moments and step
/// count, and the history; resuming from it continues bit for bit (sampling streams are keyed by iteration).</summary>
[MessagePackObject]
public sealed record NqsCheckpoint(
    [property: Key(0)] int Iteration,
    [property: Key(1)] double[] Parameters,
    [property: Key(2)] double[] M,
    [property: Key(3)] double[] V,
    [property: Key(4)] int Steps,
    [property: Key(5)] VmcIteration[] History)
{
    /// <summary>The file a checkpoint directory holds.</summary>
    public const string FileName = "nqs-checkpoint.msgpack";

    /// <summary>The workload whose checkpoints these are (the envelope's kind).</summary>
    public const string Kind = "nqs";

    /// <summary>The format this build writes and reads: 2, the body sealed with its SHA-256; format 1 was the same body
    /// unsealed, format 0 the unversioned map keyed by property name.</summary>
    public const int FormatVersion = 2;

    private static readonly string[] s_unversionedKeys = ["Iteration", "Parameters", "M", "V", "Steps", "History"];

    /// <summary>MessagePack bytes in a <see cref="CheckpointEnvelope"/> of kind <see cref="Kind"/>, format
    /// <see cref="FormatVersion"/>.</summary>
    public byte[] ToBytes() => CheckpointEnvelope.Write(Kind, FormatVersion, this);

    /// <summary>From <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> on bytes of another kind or
    /// format version, or no checkpoint at all, naming what it found.</summary>
    public static NqsCheckpoint FromBytes(byte[] bytes) =>
        CheckpointEnvelope.Read<NqsCheckpoint>(bytes, Kind, FormatVersion, s_unversionedKeys);

    /// <summary>Writes to <paramref name="directory"/> atomically (a temporary file renamed over the old one).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, ToBytes());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The checkpoint in <paramref name="directory"/>, or null when there is none.</summary>
    public static NqsCheckpoint? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return FromBytes(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
