using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Nqs.Vmc;
using MessagePack;

namespace Dataflow.Actors.Nqs;

/// <summary>An nqs job's state after <paramref name="Iteration"/> iterations: parameters, AdamW moments and step
/// count, and the history; resuming from it continues bit for bit (sampling streams are keyed by iteration).</summary>
public sealed record NqsCheckpoint(int Iteration, double[] Parameters, double[] M, double[] V, int Steps, VmcIteration[] History)
{
    /// <summary>The file a checkpoint directory holds.</summary>
    public const string FileName = "nqs-checkpoint.msgpack";

    /// <summary>MessagePack bytes.</summary>
    public byte[] ToBytes() => MessagePackSerializer.Serialize(this, Workload.PayloadOptions);

    /// <summary>From <see cref="ToBytes"/>.</summary>
    public static NqsCheckpoint FromBytes(byte[] bytes) => MessagePackSerializer.Deserialize<NqsCheckpoint>(bytes, Workload.PayloadOptions);

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
        return File.Exists(path) ? FromBytes(File.ReadAllBytes(path)) : null;
    }
}
