using System.Security.Cryptography;
using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class TrainCheckpointSpec
{
    private static TrainCheckpoint Sample()
    {
        var settings = new TrainSettings(TrainModelKind.Cnn, LogicalWorkers: 3, Seed: 8);
        var initial = TrainLoop.Initial(settings);
        var m = initial.Parameters.Select(x => x * 0.5f).ToArray();
        var v = initial.Parameters.Select(x => x * x).ToArray();
        var workers = initial.Workers.Select((w, i) => w with { Epoch = i, Cursor = 2 * i + 1 }).ToArray();
        return initial with { Step = 12, AdamStep = 12, AdamM = m, AdamV = v, Workers = workers };
    }

    [Fact]
    public void Bytes_round_trip_every_field()
    {
        var original = Sample();
        var restored = TrainCheckpoint.FromBytes(original.ToBytes());
        Assert.Equal(original.Step, restored.Step);
        Assert.Equal(original.AdamStep, restored.AdamStep);
        Assert.Equal(original.Parameters, restored.Parameters);
        Assert.Equal(original.AdamM, restored.AdamM);
        Assert.Equal(original.AdamV, restored.AdamV);
        Assert.Equal(original.Workers, restored.Workers);
        Assert.Equal(original.ToBytes(), restored.ToBytes());
    }

    [Fact]
    public void Save_and_load_replace_the_file_atomically()
    {
        var directory = Directory.CreateTempSubdirectory("train-checkpoint-");
        try
        {
            var path = Path.Combine(directory.FullName, "job.ckpt");
            var first = Sample();
            first.Save(path);
            var second = first with { Step = 13 };
            second.Save(path);
            Assert.Equal(13, TrainCheckpoint.Load(path).Step);
            Assert.Equal(["job.ckpt"], directory.GetFiles().Select(f => f.Name));   // no temporary left behind
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Corrupt_truncated_or_foreign_input_fails_with_InvalidDataException()
    {
        var bytes = Sample().ToBytes();

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;
        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => TrainCheckpoint.FromBytes(flipped)).Message);

        foreach (var length in new[] { 0, 5, 12, 100, bytes.Length - 1 })
        {
            Assert.Throws<InvalidDataException>(() => TrainCheckpoint.FromBytes(bytes[..length]));
        }

        var foreign = (byte[])bytes.Clone();
        foreign[0] = (byte)'X';
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => TrainCheckpoint.FromBytes(foreign)).Message);

        var future = (byte[])bytes.Clone();
        future[8] = 2;
        Assert.Contains("version 2", Assert.Throws<InvalidDataException>(() => TrainCheckpoint.FromBytes(future)).Message);

        // A well-formed hash over a lying length field still fails cleanly.
        var lying = bytes[..^32];
        BitConverter.TryWriteBytes(lying.AsSpan(8 + 4 + 8 + 8), int.MaxValue);
        var relabelled = lying.Concat(SHA256.HashData(lying)).ToArray();
        Assert.Throws<InvalidDataException>(() => TrainCheckpoint.FromBytes(relabelled));
    }

    [Fact]
    public void Weights_hash_is_sha256_of_little_endian_floats()
    {
        // 1.0f is 00 00 80 3F little-endian; -2.5f is 00 00 20 C0.
        var expected = Convert.ToHexStringLower(SHA256.HashData(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0 }));
        Assert.Equal(expected, TrainCheckpoint.WeightsSha256([1f, -2.5f]));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TrainCheckpoint.WeightsSha256([]));
        Assert.NotEqual(TrainCheckpoint.WeightsSha256([0f]), TrainCheckpoint.WeightsSha256([-0f]));
    }
}
