using System.Buffers.Binary;
using MessagePack;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>The model file of a Deep Potential (<c>.dfdp</c>): everything needed to evaluate it.</summary>
/// <remarks>
/// Layout, version 1: the 4 bytes "DFDP", a little-endian uint32 version (1), then one MessagePack map-less array
/// (<see cref="DpModelDocument"/>): the <see cref="DeepPotentialSettings"/>, the statistics avg and std ([type, 4]
/// each), the per-type energy bias (eV), and the flat parameter vector in <see cref="DeepPotentialModel.Layout"/>'s
/// order (float64). A reader refuses another magic or a newer version with a message naming the file.
/// </remarks>
public static class DpModelFile
{
    /// <summary>The format version written.</summary>
    public const uint Version = 1;

    private static readonly byte[] s_magic = "DFDP"u8.ToArray();

    /// <summary>The file's bytes for <paramref name="model"/>.</summary>
    public static byte[] ToBytes(DeepPotentialModel model)
    {
        var document = new DpModelDocument(model.Settings, model.Stats.Average, model.Stats.Deviation, model.Stats.EnergyBias, model.Parameters);
        var body = MessagePackSerializer.Serialize(document);
        var bytes = new byte[8 + body.Length];
        s_magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Version);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>A model from a file's bytes; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">Not a model file of a version this reader knows.</exception>
    public static DeepPotentialModel FromBytes(byte[] bytes, string source)
    {
        if (bytes.Length < 8 || !bytes.AsSpan(0, 4).SequenceEqual(s_magic))
        {
            throw new InvalidDataException($"{source}: not a Deep Potential model file (no DFDP magic)");
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        if (version != Version)
        {
            throw new InvalidDataException($"{source}: model file version {version}, this build reads version {Version}");
        }
        DpModelDocument document;
        try
        {
            document = MessagePackSerializer.Deserialize<DpModelDocument>(bytes.AsMemory(8));
            document.Settings.Validate();
        }
        catch (Exception e) when (e is MessagePackSerializationException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: corrupt model file ({e.Message})", e);
        }
        var types = document.Settings.TypeCount;
        if (document.Average.Length != 4 * types || document.Deviation.Length != 4 * types || document.EnergyBias.Length != types)
        {
            throw new InvalidDataException($"{source}: statistics do not match {types} types");
        }
        try
        {
            return new DeepPotentialModel(document.Settings, document.Parameters,
                new DeepPotentialModel.Statistics(document.Average, document.Deviation, document.EnergyBias));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Reads a model file.</summary>
    public static DeepPotentialModel Read(string path) =>
        File.Exists(path) ? FromBytes(File.ReadAllBytes(path), path) : throw new InvalidDataException($"{path}: no such model file");
}

/// <summary>The MessagePack body of a <see cref="DpModelFile"/>.</summary>
[MessagePackObject]
public sealed record DpModelDocument(
    [property: Key(0)] DeepPotentialSettings Settings,
    [property: Key(1)] double[] Average,
    [property: Key(2)] double[] Deviation,
    [property: Key(3)] double[] EnergyBias,
    [property: Key(4)] double[] Parameters);
