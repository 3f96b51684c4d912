using Dataflow.Actors.Md;
using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Train;
using MessagePack;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>Checkpoint bytes carry their kind and format version; anything else is refused with a message naming
/// what was found and what this build reads.</summary>
public sealed class CheckpointFormatSpec
{
    private const string Restart = "restart the job from its spec";

    private static readonly NqsCheckpoint s_nqs = new(3, [0.5, -1.25, 2.0], [0.01, 0.02, 0.03], [1e-4, 2e-4, 3e-4], 3,
        [new VmcIteration(0, new EnergyStatistics(-1.1, 0.001, 0.02, 0.003, 1000, 4), 0.01, 12, 0.1, 0.2, 0.3)],
        ["fcidump sha256:00ff", "seed 1", "iterations 20"]);

    private static readonly MdCheckpoint s_md = new(20,
        new AtomPacket([1, 2], [1, 1], [0.5, -0.5], [0.1, 0.2, 0.3, 1.1, 1.2, 1.3], [0.01, 0.02, 0.03, -0.01, -0.02, -0.03],
            [0, 0, 0, 0, 1, 0]),
        [new ThermoSample(0, 1.5, -6.1, 2.2, -3.9, 0.7, true)]);

    [Fact]
    public void An_nqs_checkpoint_names_every_setting_in_which_another_job_differs()
    {
        Assert.Null(s_nqs.Mismatch(["iterations 20", "fcidump sha256:00ff", "seed 1"]));
        var why = s_nqs.Mismatch(["fcidump sha256:00ff", "seed 2", "iterations 20", "layers 2"]);
        Assert.NotNull(why);
        Assert.Contains("seed 1 there, 2 here", why);
        Assert.Contains("layers (none) there, 2 here", why);
        Assert.DoesNotContain("iterations", why);
        Assert.DoesNotContain("fcidump", why);
    }

    [Fact]
    public void Nqs_and_md_checkpoints_round_trip_in_a_versioned_envelope()
    {
        var nqsBytes = s_nqs.ToBytes();
        var mdBytes = s_md.ToBytes();

        WireEquality.AssertEqual(s_nqs, NqsCheckpoint.FromBytes(nqsBytes), nameof(NqsCheckpoint));
        WireEquality.AssertEqual(s_md, MdCheckpoint.FromBytes(mdBytes), nameof(MdCheckpoint));
        Assert.Equal(("nqs", 3), Header(nqsBytes));
        Assert.Equal(("md", 2), Header(mdBytes));
        Assert.Equal((NqsCheckpoint.Kind, NqsCheckpoint.FormatVersion), Header(nqsBytes));
        Assert.Equal((MdCheckpoint.Kind, MdCheckpoint.FormatVersion), Header(mdBytes));
    }

    [Fact]
    public void A_nqs_checkpoint_of_the_unversioned_format_is_refused_by_name()
    {
        var legacy = Legacy("Legacy.NqsCheckpoint.format0.hex");

        var e = Assert.Throws<InvalidDataException>(() => NqsCheckpoint.FromBytes(legacy));

        Assert.Equal("nqs checkpoint format 0 (written by a dataflow before versioned checkpoints) cannot be read by this "
            + "build (format 3); " + Restart, e.Message);
    }

    [Fact]
    public void An_md_checkpoint_of_the_unversioned_format_is_refused_by_name()
    {
        var legacy = Legacy("Legacy.MdCheckpoint.format0.hex");

        var e = Assert.Throws<InvalidDataException>(() => MdCheckpoint.FromBytes(legacy));

        Assert.Equal("md checkpoint format 0 (written by a dataflow before versioned checkpoints) cannot be read by this "
            + "build (format 2); " + Restart, e.Message);
    }

    [Fact]
    public void A_train_checkpoint_of_the_previous_build_still_loads_bit_for_bit()
    {
        // The train checkpoint has been its own versioned binary format (DFTRAIN, version 1) all along: unchanged.
        var legacy = Legacy("Legacy.TrainCheckpoint.format1.hex");

        var checkpoint = TrainCheckpoint.FromBytes(legacy);

        Assert.Equal(2, checkpoint.Step);
        Assert.Equal([0.5f, -0.25f], checkpoint.Parameters);
        Assert.Equal([5, 6, 7, 8], checkpoint.Workers[1].RngState);
        Assert.Equal(legacy, checkpoint.ToBytes());
    }

    [Fact]
    public void A_checkpoint_file_of_the_unversioned_format_is_refused_naming_the_file()
    {
        var directory = Directory.CreateTempSubdirectory("nqs-checkpoint-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(directory, NqsCheckpoint.FileName), Legacy("Legacy.NqsCheckpoint.format0.hex"));

            var e = Assert.Throws<InvalidDataException>(() => NqsCheckpoint.Load(directory));

            Assert.StartsWith(Path.Combine(directory, NqsCheckpoint.FileName) + ": nqs checkpoint format 0", e.Message);
            Assert.EndsWith(Restart, e.Message);

            s_nqs.Save(directory);
            WireEquality.AssertEqual(s_nqs, NqsCheckpoint.Load(directory), nameof(NqsCheckpoint));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Other_format_versions_are_refused_naming_both()
    {
        var newer = CheckpointEnvelope.Write("nqs", 4, s_nqs);
        var older = CheckpointEnvelope.Write("md", 0, s_md);

        Assert.Equal("nqs checkpoint format 4 (written by a newer dataflow) cannot be read by this build (format 3); " + Restart,
            Assert.Throws<InvalidDataException>(() => NqsCheckpoint.FromBytes(newer)).Message);
        Assert.Equal("md checkpoint format 0 (written by an older dataflow) cannot be read by this build (format 2); " + Restart,
            Assert.Throws<InvalidDataException>(() => MdCheckpoint.FromBytes(older)).Message);
    }

    [Fact]
    public void A_checkpoint_of_another_workload_is_refused_naming_both()
    {
        var train = Legacy("Legacy.TrainCheckpoint.format1.hex");

        Assert.Equal("this is a checkpoint of the md workload (format 2), not of the nqs workload",
            Assert.Throws<InvalidDataException>(() => NqsCheckpoint.FromBytes(s_md.ToBytes())).Message);
        Assert.Equal("this is a checkpoint of the train workload (DFTRAIN binary format), not of the md workload",
            Assert.Throws<InvalidDataException>(() => MdCheckpoint.FromBytes(train)).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7b226974657261")]                // JSON text
    [InlineData("93a36e7173a36e717301")]          // a MessagePack array that is no envelope
    [InlineData("82a16101a16202")]                // a MessagePack map with other keys
    [InlineData("94b3646174616675")]              // the envelope's magic cut short
    [InlineData("ff00ff00ff00ff00ff00")]          // noise
    public void Bytes_that_are_no_checkpoint_are_refused_naming_what_this_build_reads(string hex)
    {
        var e = Assert.Throws<InvalidDataException>(() => NqsCheckpoint.FromBytes(Convert.FromHexString(hex)));

        Assert.Contains("not a", e.Message);
        Assert.Contains("nqs checkpoint", e.Message);
        Assert.EndsWith("this build reads nqs checkpoint format 3", e.Message);
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused_as_corrupt()
    {
        var bytes = s_md.ToBytes();

        var e = Assert.Throws<InvalidDataException>(() => MdCheckpoint.FromBytes(bytes[..^5]));

        Assert.StartsWith("md checkpoint format 2 is truncated or corrupt", e.Message);
    }

    [Fact]
    public void A_checkpoint_whose_parameters_were_altered_is_refused_by_its_checksum()
    {
        // Every parameter's sign flipped, the body re-encoded and framed with the original seal: it decodes as well as
        // the original, so only the checksum tells them apart.
        var original = s_nqs.ToBytes();
        var flipped = s_nqs with { Parameters = s_nqs.Parameters.Select(p => -p).ToArray() };
        var altered = CheckpointEnvelope.Frame(NqsCheckpoint.Kind, NqsCheckpoint.FormatVersion,
            MessagePackSerializer.Serialize(flipped, global::Dataflow.Actors.Runtime.Workload.PayloadOptions), Seal(original));

        var e = Assert.Throws<InvalidDataException>(() => NqsCheckpoint.FromBytes(altered));

        Assert.Equal("nqs checkpoint format 3 fails its SHA-256 check: it was truncated, corrupted or altered", e.Message);
        WireEquality.AssertEqual(s_nqs, NqsCheckpoint.FromBytes(original), nameof(NqsCheckpoint));
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_the_body_is_refused()
    {
        var bytes = s_md.ToBytes();
        // The body's bytes sit between the header and the 34-byte seal (bin8 header and 32 bytes of SHA-256).
        for (var i = 40; i < bytes.Length - 34; i += 7)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x80;
            Assert.Throws<InvalidDataException>(() => MdCheckpoint.FromBytes(copy));
        }
    }

    [Fact]
    public void A_checkpoint_of_format_1_without_a_seal_is_refused_as_older()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(CheckpointEnvelope.Magic);
        writer.Write(NqsCheckpoint.Kind);
        writer.Write(1);
        MessagePackSerializer.Serialize(ref writer, s_nqs, global::Dataflow.Actors.Runtime.Workload.PayloadOptions);
        writer.Flush();

        var e = Assert.Throws<InvalidDataException>(() => NqsCheckpoint.FromBytes(buffer.WrittenSpan.ToArray()));

        Assert.Equal("nqs checkpoint format 1 (written by an older dataflow) cannot be read by this build (format 3); " + Restart,
            e.Message);
    }

    /// <summary>The SHA-256 a framed checkpoint carries (its last 32 bytes).</summary>
    private static byte[] Seal(byte[] framed) => framed[^32..];

    private static (string, int) Header(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        Assert.Equal(4, reader.ReadArrayHeader());
        Assert.Equal(CheckpointEnvelope.Magic, reader.ReadString());
        return (reader.ReadString()!, reader.ReadInt32());
    }

    private static byte[] Legacy(string name) => GoldenFiles.Read(name) ?? throw new FileNotFoundException(name);
}
