using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Dataflow.Kernels.Train;

/// <summary>Complete state of a <c>train</c> job after <see cref="Step"/> global steps: parameters, AdamW
/// moments and every logical worker's state. Restoring it and continuing gives the same bits as never
/// stopping.</summary>
/// <remarks>
/// Binary format, little-endian, version 1: magic <c>"DFTRAIN\0"</c> (8 bytes), int32 version, int64 step,
/// int64 AdamW step, int32 parameter count P, then P floats each of parameters, m and v; int32 worker
/// count W and per worker int32 id, epoch, cursor, int32 byte length and the generator bytes; finally the
/// SHA-256 of everything before it (32 bytes), so truncation and bit flips are detected.
/// </remarks>
/// <param name="Step">Global steps completed.</param>
/// <param name="Parameters">Flat parameter vector.</param>
/// <param name="AdamM">AdamW first moment.</param>
/// <param name="AdamV">AdamW second moment.</param>
/// <param name="AdamStep">AdamW step count t.</param>
/// <param name="Workers">Logical worker states, indexed by worker id.</param>
public sealed record TrainCheckpoint(
    long Step,
    float[] Parameters,
    float[] AdamM,
    float[] AdamV,
    long AdamStep,
    LogicalWorkerState[] Workers)
{
    /// <summary>Current binary format version.</summary>
    public const int FormatVersion = 1;

    private const int HashLength = 32;
    private static ReadOnlySpan<byte> Magic => "DFTRAIN\0"u8;

    /// <summary>Serialises to the versioned binary format.</summary>
    public byte[] ToBytes()
    {
        if (Inconsistency() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Step);
            writer.Write(AdamStep);
            writer.Write(Parameters.Length);
            WriteFloats(writer, Parameters);
            WriteFloats(writer, AdamM);
            WriteFloats(writer, AdamV);
            writer.Write(Workers.Length);
            foreach (var w in Workers)
            {
                writer.Write(w.WorkerId);
                writer.Write(w.Epoch);
                writer.Write(w.Cursor);
                writer.Write(w.RngState.Length);
                writer.Write(w.RngState);
            }
        }
        var hash = SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        stream.Write(hash);
        return stream.ToArray();
    }

    /// <summary>Parses <see cref="ToBytes"/> output; throws <see cref="InvalidDataException"/> on anything
    /// truncated, corrupted or of another format or version.</summary>
    public static TrainCheckpoint FromBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < Magic.Length + sizeof(int) + HashLength || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a train checkpoint: missing the DFTRAIN header");
        }
        var version = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(Magic.Length));
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"train checkpoint format version {version} is not supported (expected {FormatVersion})");
        }
        var body = data.AsSpan(0, data.Length - HashLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data.AsSpan(data.Length - HashLength)))
        {
            throw new InvalidDataException("train checkpoint is truncated or corrupt: SHA-256 mismatch");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(data, 0, body.Length, writable: false));
            reader.ReadBytes(Magic.Length + sizeof(int));
            var step = reader.ReadInt64();
            var adamStep = reader.ReadInt64();
            var count = ReadLength(reader, sizeof(float) * 3);
            var parameters = ReadFloats(reader, count);
            var m = ReadFloats(reader, count);
            var v = ReadFloats(reader, count);
            var workerCount = ReadLength(reader, sizeof(int) * 4);
            var workers = new LogicalWorkerState[workerCount];
            for (var i = 0; i < workerCount; i++)
            {
                var id = reader.ReadInt32();
                var epoch = reader.ReadInt32();
                var cursor = reader.ReadInt32();
                var rng = reader.ReadBytes(ReadLength(reader, 1));
                workers[i] = new LogicalWorkerState(id, epoch, cursor, rng);
            }
            if (reader.BaseStream.Position != body.Length)
            {
                throw new InvalidDataException($"train checkpoint has {body.Length - reader.BaseStream.Position} unexpected trailing bytes");
            }
            var checkpoint = new TrainCheckpoint(step, parameters, m, v, adamStep, workers);
            return checkpoint.Inconsistency() is { } problem ? throw new InvalidDataException(problem) : checkpoint;
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException)
        {
            throw new InvalidDataException($"train checkpoint is malformed: {e.Message}", e);
        }
    }

    /// <summary>Writes <see cref="ToBytes"/> to a temporary file beside <paramref name="path"/>, flushes it to
    /// disk and renames it over <paramref name="path"/>, so readers see the old or the new file, never half.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temp = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(ToBytes());
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>The file name of the step-<paramref name="step"/> checkpoint in a checkpoint folder:
    /// <c>step-00000010.ckpt</c>; names sort by step.</summary>
    public static string FileName(long step) => $"step-{step:D8}.ckpt";

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    public static TrainCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return FromBytes(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Lower-case hex SHA-256 of the parameters' little-endian IEEE-754 bytes: the job's result fingerprint.</summary>
    public static string WeightsSha256(float[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        byte[] hash;
        if (BitConverter.IsLittleEndian)
        {
            hash = SHA256.HashData(MemoryMarshal.AsBytes(parameters.AsSpan()));
        }
        else
        {
            var bytes = new byte[parameters.Length * sizeof(float)];
            for (var j = 0; j < parameters.Length; j++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * sizeof(float)), parameters[j]);
            }
            hash = SHA256.HashData(bytes);
        }
        return Convert.ToHexStringLower(hash);
    }

    private string? Inconsistency()
    {
        if (Parameters is null || AdamM is null || AdamV is null || Workers is null)
        {
            return "train checkpoint has a missing array";
        }
        if (AdamM.Length != Parameters.Length || AdamV.Length != Parameters.Length)
        {
            return $"train checkpoint holds {Parameters.Length} parameters but moments of {AdamM.Length} and {AdamV.Length}";
        }
        if (Step < 0 || AdamStep < 0)
        {
            return $"train checkpoint has a negative step ({Step}, AdamW {AdamStep})";
        }
        for (var i = 0; i < Workers.Length; i++)
        {
            if (Workers[i] is null || Workers[i].WorkerId != i || Workers[i].RngState is null)
            {
                return $"train checkpoint worker slot {i} does not hold worker {i}";
            }
        }
        return null;
    }

    private static int ReadLength(BinaryReader reader, int minBytesPerItem)
    {
        var n = reader.ReadInt32();
        var left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (n < 0 || (long)n * minBytesPerItem > left)
        {
            throw new InvalidDataException($"train checkpoint declares {n} items at byte {reader.BaseStream.Position}, more than remain");
        }
        return n;
    }

    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        foreach (var x in values)
        {
            writer.Write(x);
        }
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        var bytes = reader.ReadBytes(count * sizeof(float));
        if (bytes.Length != count * sizeof(float))
        {
            throw new EndOfStreamException();
        }
        var result = new float[count];
        for (var j = 0; j < count; j++)
        {
            result[j] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(j * sizeof(float)));
        }
        return result;
    }
}
