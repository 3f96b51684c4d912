using System.IO.Compression;
using System.Text;
using Dataflow.Kernels.Input;
using Dataflow.Kernels.Md;
using Dataflow.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md;

/// <summary>The LAMMPS data reader on generated mutations of valid files (plain and gzip): only
/// <see cref="LammpsDataFormatException"/> escapes, and no case allocates more than a bound.</summary>
public sealed class LammpsDataFuzzSpec(ITestOutputHelper output)
{
    private static readonly InputLimits s_limits = new(MaxInputBytes: 1 << 20, MemoryBudgetBytes: 64L << 20);

    private static readonly string[] s_inputs =
    [
        """
        small atomic file

        4 atoms
        2 atom types
        0 bonds
        1 bond types

        -1.0 5.0 xlo xhi
        0 5 ylo yhi
        0 5 zlo zhi

        Masses

        1 1.0
        2 2.5 # heavier

        Pair Coeffs # lj/cut

        1 1.0 1.0
        2 0.5 1.2

        Bond Coeffs

        1 300 1.0

        Atoms # atomic

        1 1 0.5 0.5 0.5 0 0 0
        2 2 1.5 1.5 0.5 0 1 -1
        3 1 2.5 0.5 1.5 0 0 0
        4 2 3.5 3.5 3.5 1 0 0

        Velocities

        1 0.1 0.2 0.3
        2 -0.1 0 0
        3 0 0 0
        4 1e-3 2e-3 -3e-3
        """,
        """
        charged

        3 atoms
        2 atom types
        0 1 xlo xhi
        0 1 ylo yhi
        0 1 zlo zhi

        Atoms # full

        1 7 1 0.5 0.1 0.1 0.1
        2 7 2 -0.5 0.2 0.2 0.2 0 0 0
        3 8 1 0 0.3 0.3 0.3

        Masses

        1 1
        2 2

        PairIJ Coeffs

        1 1 1 1
        1 2 1 1
        2 2 1 1
        """,
        """
        charge style

        2 atoms
        1 atom types
        0 3 xlo xhi
        0 3 ylo yhi
        0 3 zlo zhi

        Masses

        1 22.98977

        Atoms # charge

        1 1 1.0 0.5 0.5 0.5
        2 1 -1.0 1.5 1.5 1.5
        """,
        string.Join('\n', File.ReadAllLines(MdReferenceData.File("lj-500.data")).Take(80)),
    ];

    [Fact]
    public void Mutated_files_raise_only_LammpsDataFormatException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parse-fuzz-{Guid.NewGuid():N}.data.gz");
        try
        {
            var (cases, refused) = Fuzzer.Run(output, "lammps data", seed: 20251205, maxCases: 4000, maxTime: TimeSpan.FromSeconds(6),
                random =>
                {
                    var text = Fuzzer.MutateText(s_inputs[random.Next(s_inputs.Length)], random);
                    // One case in eight goes through a gzip file, its compressed bytes mutated half the time.
                    var gzip = random.Next(8) == 0 ? Gzip(text) : null;
                    if (gzip is not null && random.Next(2) == 0)
                    {
                        gzip = Fuzzer.MutateBytes(gzip, random);
                    }
                    return (Text: text, Gzip: gzip);
                },
                input =>
                {
                    if (input.Gzip is { } bytes)
                    {
                        File.WriteAllBytes(path, bytes);
                        LammpsDataReader.Read(path, limits: s_limits);
                    }
                    else
                    {
                        LammpsDataReader.ReadText(input.Text, "fuzz.data", limits: s_limits);
                    }
                },
                e => e is LammpsDataFormatException,
                input => (input.Gzip is null ? "" : $"(gzip {Convert.ToHexString(input.Gzip)}) ") + Fuzzer.Describe(input.Text),
                maxAllocatedBytes: 64L << 20);
            Assert.True(cases >= 100, $"only {cases} cases ran");
            Assert.InRange(refused, 1, cases);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        return buffer.ToArray();
    }
}
