using System.Buffers.Binary;
using System.Text;
using Dataflow.Kernels.Md.DeepPotential;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.DeepPotential;

/// <summary>deepmd-kit's data layout and NumPy's .npy: round trips, files as NumPy writes them (version 1.0 float64,
/// version 2.0 float32), and malformed sets as one error naming the file. The expected bytes of the first are those
/// NumPy 1.24.2's np.save writes for the same array (checked with Debian's python3-numpy).</summary>
public sealed class DeepmdDataSpec : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dp-data-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_system_round_trips_through_the_layout_bit_for_bit()
    {
        var system = Sample(frames: 5, virial: true);
        var dir = Path.Combine(_root, "sys");
        system.Write(dir, framesPerSet: 2);
        Assert.Equal(["set.000", "set.001", "set.002"], Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)!).Order().ToArray());
        var back = DeepmdSystem.Read(dir);
        Assert.Equal(system.TypeMap, back.TypeMap);
        Assert.Equal(system.Types, back.Types);
        Assert.Equal(5, back.Frames.Count);
        for (var f = 0; f < 5; f++)
        {
            Assert.Equal(system.Frames[f].Frame.Positions, back.Frames[f].Frame.Positions);
            Assert.Equal(system.Frames[f].Frame.Box, back.Frames[f].Frame.Box);
            Assert.Equal(system.Frames[f].Energy, back.Frames[f].Energy);
            Assert.Equal(system.Frames[f].Forces, back.Frames[f].Forces);
            Assert.Equal(system.Frames[f].Virial, back.Frames[f].Virial);
        }
        Assert.True(back.HasVirial);
    }

    [Fact]
    public void The_writer_makes_numpys_header_and_the_reader_takes_version_2_and_float32()
    {
        var path = Path.Combine(_root, "a.npy");
        NpyFile.Write(path, [1.5, -2, 3, 4, 5, 6], 2, 3);
        var bytes = File.ReadAllBytes(path);
        // numpy.save of np.array([[1.5,-2,3],[4,5,6]]): magic, 1.0, header length 118, data at byte 128.
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 }, bytes[..10]);
        Assert.Equal("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Encoding.Latin1.GetString(bytes, 10, 59));
        Assert.Equal((byte)'\n', bytes[127]);
        Assert.Equal(128 + 48, bytes.Length);

        // Version 2.0 with a 4-byte header length and float32 data, as numpy writes for long headers.
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
        var padded = header.PadRight(128 - 12 - 1) + "\n";
        var v2 = new byte[12 + padded.Length + 12];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 }.CopyTo(v2, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(8), (uint)padded.Length);
        Encoding.Latin1.GetBytes(padded, v2.AsSpan(12));
        BinaryPrimitives.WriteSingleLittleEndian(v2.AsSpan(12 + padded.Length), 0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(v2.AsSpan(16 + padded.Length), -1f);
        BinaryPrimitives.WriteSingleLittleEndian(v2.AsSpan(20 + padded.Length), 7f);
        File.WriteAllBytes(path, v2);
        var (data, shape) = NpyFile.Read(path);
        Assert.Equal([3], shape);
        Assert.Equal([0.25, -1, 7], data);
    }

    [Fact]
    public void A_malformed_set_is_an_error_naming_the_file()
    {
        var dir = Path.Combine(_root, "bad");
        Sample(frames: 3, virial: false).Write(dir);
        var set = Path.Combine(dir, "set.000");

        // Wrong shape: forces of 3 atoms where the system has 4.
        NpyFile.Write(Path.Combine(set, "force.npy"), new double[3 * 9], 3, 9);
        AssertError(dir, Path.Combine(set, "force.npy"), "shape (3, 9), expected (3, 12)");

        // Truncated coordinates.
        Sample(frames: 3, virial: false).Write(dir);
        var coord = Path.Combine(set, "coord.npy");
        var bytes = File.ReadAllBytes(coord);
        File.WriteAllBytes(coord, bytes[..^5]);
        AssertError(dir, coord, "truncated");

        // A header that is not a NumPy dict.
        Sample(frames: 3, virial: false).Write(dir);
        var energy = Path.Combine(set, "energy.npy");
        bytes = File.ReadAllBytes(energy);
        Encoding.Latin1.GetBytes("{'desc'", bytes.AsSpan(10));
        File.WriteAllBytes(energy, bytes);
        AssertError(dir, energy, "bad header");

        // Not a .npy at all, and a missing box.
        Sample(frames: 3, virial: false).Write(dir);
        File.WriteAllText(energy, "1.0 2.0 3.0\n");
        AssertError(dir, energy, "not a .npy file");
        Sample(frames: 3, virial: false).Write(dir);
        File.Delete(Path.Combine(set, "box.npy"));
        AssertError(dir, Path.Combine(set, "box.npy"), "missing");

        // A type index beyond type_map.raw.
        Sample(frames: 3, virial: false).Write(dir);
        File.WriteAllText(Path.Combine(dir, "type.raw"), "0 1 2 0\n");
        AssertError(dir, Path.Combine(dir, "type.raw"), "atom 2 has type 2");
    }

    private static void AssertError(string dir, string file, string what)
    {
        var e = Assert.Throws<InvalidDataException>(() => DeepmdSystem.Read(dir));
        Assert.StartsWith(file + ":", e.Message);
        Assert.Contains(what, e.Message);
    }

    private static DeepmdSystem Sample(int frames, bool virial)
    {
        var random = new Random(7);
        double[] Numbers(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10 - 5).ToArray();
        var list = Enumerable.Range(0, frames).Select(_ => new DpLabelledFrame(
            new DpFrame(Numbers(12), [6, 0, 0, 0.5, 6, 0, 0, 0.25, 6]), random.NextDouble(), Numbers(12), virial ? Numbers(9) : null)).ToArray();
        return new DeepmdSystem("sys", ["O", "H"], [0, 1, 1, 0], list);
    }
}
