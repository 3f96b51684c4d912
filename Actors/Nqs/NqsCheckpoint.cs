using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Kernels.Nqs.Vmc;
using MessagePack;

namespace Dataflow.Actors.Nqs;

/// <summary>An nqs job's state after <paramref name="Iteration"/> iterations: parameters, AdamW moments and step
/// count, and the history; resuming from it continues bit for bit (sampling streams are keyed by iteration).</summary>
/// <param name="Job">The job that wrote it (<see cref="NqsJobSpec.Identity"/>): a job with other settings is refused
/// rather than continued from another job's state.</param>
[MessagePackObject]
public sealed record NqsCheckpoint(
    [property: Key(0)] int Iteration,
    [property: Key(1)] double[] Parameters,
    [property: Key(2)] double[] M,
    [property: Key(3)] double[] V,
    [property: Key(4)] int Steps,
    [property: Key(5)] VmcIteration[] History,
    [property: Key(6)] string[] Job)
{
    /// <summary>The file a checkpoint directory holds.</summary>
    public const string FileName = "nqs-checkpoint.msgpack";

    /// <summary>The workload whose checkpoints these are (the envelope's kind).</summary>
    public const string Kind = "nqs";

    /// <summary>The format this build writes and reads: 3, the body sealed with its SHA-256 and naming the job that
    /// wrote it; format 2 was the same without <see cref="Job"/>, format 1 the body unsealed, format 0 the unversioned
    /// map keyed by property name.</summary>
    public const int FormatVersion = 3;

    private static readonly string[] s_unversionedKeys = ["Iteration", "Parameters", "M", "V", "Steps", "History"];

    /// <summary>MessagePack bytes in a <see cref="CheckpointEnvelope"/> of kind <see cref="Kind"/>, format
    /// <see cref="FormatVersion"/>.</summary>
    public byte[] ToBytes() => CheckpointEnvelope.Write(Kind, FormatVersion, this);

    /// <summary>From <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> on bytes of another kind or
    /// format version, or no checkpoint at all, naming what it found.</summary>
    public static NqsCheckpoint FromBytes(byte[] bytes) =>
        CheckpointEnvelope.Read<NqsCheckpoint>(bytes, Kind, FormatVersion, s_unversionedKeys);

    /// <summary>Why a job with <paramref name="identity"/> (<see cref="NqsJobSpec.Identity"/>) cannot continue from this
    /// checkpoint, naming each setting that differs as <c>seed 2 there, 1 here</c>; or null when it can.</summary>
    public string? Mismatch(IReadOnlyList<string> identity)
    {
        static Dictionary<string, string> Settings(IEnumerable<string> pairs) => pairs
            .Select(p => p.Split(' ', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        var there = Settings(Job);
        var here = Settings(identity);
        var differences = here.Keys.Union(there.Keys)
            .Where(k => there.GetValueOrDefault(k) != here.GetValueOrDefault(k))
            .Select(k => $"{k} {there.GetValueOrDefault(k) ?? "(none)"} there, {here.GetValueOrDefault(k) ?? "(none)"} here")
            .ToArray();
        return differences.Length == 0
            ? null
            : $"the checkpoint was written by another job ({string.Join("; ", differences)}): give that job's settings to "
              + "continue it, or another --resume directory to start afresh";
    }

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
