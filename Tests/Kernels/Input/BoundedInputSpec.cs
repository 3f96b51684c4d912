using System.IO.Compression;
using Dataflow.Kernels.Input;
using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Input;

/// <summary>Input files are refused by size before they are read, and gzip bombs are stopped after a bounded amount of
/// work and memory.</summary>
public sealed class BoundedInputSpec
{
    private static readonly InputLimits s_defaults = new(InputLimits.DefaultMaxInputBytes, 8L << 30);

    [Fact]
    public void A_gzip_bomb_is_stopped_at_the_ratio_limit_in_bounded_memory()
    {
        var path = GzipBomb.Write();
        try
        {
            Assert.True(new FileInfo(path).Length > 3_000_000);
            var before = GC.GetAllocatedBytesForCurrentThread();

            var e = Assert.Throws<InputLimitException>(() => BoundedInput.ReadAllText(path, s_defaults, decompress: true));

            // Reading all of it would allocate gigabytes; the refusal comes after about a MiB.
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L << 20);
            Assert.StartsWith($"{path}: gzip data expands more than 100 times (a decompression bomb?); stopped after ", e.Message,
                StringComparison.Ordinal);
            Assert.InRange(e.Reached, InputLimits.RatioCheckFloorBytes, 4L << 20);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_gzip_file_that_decompresses_past_the_input_limit_is_stopped_there()
    {
        var path = GzipBomb.Write(members: 4);
        try
        {
            // With the ratio check out of the way, the size limit stops it: 2 MiB of the 64 MiB it holds.
            var limits = new InputLimits(2L << 20, 8L << 30, MaxCompressionRatio: 1e9);

            var e = Assert.Throws<InputLimitException>(() => BoundedInput.ReadAllText(path, limits, decompress: true));

            Assert.StartsWith($"{path}: gzip data decompresses past the input limit of 2.0 MiB (DATAFLOW_MAX_INPUT_BYTES); stopped after 2.0 MiB from ",
                e.Message, StringComparison.Ordinal);
            Assert.Equal(2L << 20, e.Limit);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_reader_reports_a_gzip_bomb_at_the_line_it_was_reading()
    {
        var path = GzipBomb.Write();
        try
        {
            var e = Assert.Throws<LammpsDataFormatException>(() => LammpsDataReader.Read(path, limits: s_defaults));

            Assert.StartsWith($"{path}:1: gzip data expands more than 100 times", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_plain_file_over_the_input_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parse-big-{Guid.NewGuid():N}.txt");
        File.WriteAllBytes(path, new byte[70_000]);
        try
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<InputLimitException>(() =>
                BoundedInput.ReadAllText(path, new InputLimits(64 << 10, 8L << 30), decompress: false));

            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1L << 20);
            Assert.Equal($"{path}: the file is 68.4 KiB (70000 bytes), above the input limit of 64.0 KiB (DATAFLOW_MAX_INPUT_BYTES)",
                e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_largest_input_in_the_repository_is_within_the_default_limits()
    {
        // lj-32000.data.gz: 1.1 MB expanding 3.9 times to 4.2 MB.
        var text = BoundedInput.ReadAllText(MdReferenceData.File("lj-32000.data.gz"), s_defaults, decompress: true);

        Assert.Equal(4_229_330, text.Length);
    }

    [Theory]
    [InlineData("67108864", 67108864L)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("64M", 64L << 20)]
    [InlineData(" 8GiB ", 8L << 30)]
    [InlineData("512k", 512L << 10)]
    public void Sizes_read_bytes_and_binary_suffixes(string text, long bytes) => Assert.Equal(bytes, InputLimits.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("64 PB")]
    [InlineData("1.5G")]
    [InlineData("99999999999T")]
    public void Bad_sizes_are_refused(string text) =>
        Assert.Contains("is not a size", Assert.Throws<FormatException>(() => InputLimits.ParseSize(text)).Message);
}

/// <summary>A gzip file of about 3 MB that expands to about 3 GB of zero bytes: 16 MiB of zeros compressed once and
/// the member repeated (gzip readers decompress concatenated members as one stream).</summary>
internal static class GzipBomb
{
    private static readonly Lazy<byte[]> s_member = new(() =>
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var k = 0; k < 16; k++)
            {
                gzip.Write(zeros);
            }
        }
        return buffer.ToArray();
    });

    /// <summary>Writes the bomb to a new file under the temporary folder and returns its path.</summary>
    public static string Write(int members = 0)
    {
        var member = s_member.Value;
        members = members > 0 ? members : (int)(3_100_000 / member.Length) + 1;
        var path = Path.Combine(Path.GetTempPath(), $"parse-bomb-{Guid.NewGuid():N}.data.gz");
        using var file = File.Create(path);
        for (var k = 0; k < members; k++)
        {
            file.Write(member);
        }
        return path;
    }
}
