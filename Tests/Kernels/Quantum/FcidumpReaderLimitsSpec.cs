using Dataflow.Kernels.Input;
using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Quantum;

/// <summary>FCIDUMP files are refused by size before they are read, and NORB against the memory budget before the
/// integral arrays are allocated.</summary>
public sealed class FcidumpReaderLimitsSpec
{
    [Fact]
    public void NORB_is_checked_against_the_memory_budget_before_the_integral_arrays_are_allocated()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<FcidumpFormatException>(() => FcidumpReader.ParseText(
            "&FCI\n NORB=64,\n NELEC=2 /\n 0.5 1 1 1 1\n", "big.fcidump", new InputLimits(1 << 20, MemoryBudgetBytes: 1 << 20)));

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1L << 20);
        Assert.Equal("big.fcidump:2: NORB=64 (dense integral arrays) needs 128.0 MiB, above the memory budget of 1.0 MiB "
            + "(DATAFLOW_MEMORY_BUDGET)", e.Message);
    }

    [Fact]
    public void A_file_over_the_input_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parse-fcidump-{Guid.NewGuid():N}.fcidump");
        File.WriteAllText(path, BigFcidump(70_000));
        try
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<FcidumpFormatException>(() => FcidumpReader.Read(path, new InputLimits(64 << 10, 8L << 30)));

            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1L << 20);
            Assert.StartsWith($"{path}:1: the file is 68.", e.Message, StringComparison.Ordinal);
            Assert.EndsWith("above the input limit of 64.0 KiB (DATAFLOW_MAX_INPUT_BYTES)", e.Message, StringComparison.Ordinal);
            Assert.Equal(2, FcidumpReader.Read(path, new InputLimits(128 << 10, 8L << 30)).OrbitalCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_namelist_without_terminator_is_refused_after_a_bounded_number_of_values()
    {
        var text = "&FCI NORB=2, NELEC=2,\n" + string.Concat(Enumerable.Repeat(" 0.5 1 1 1 1\n", 5000));

        var e = Assert.Throws<FcidumpFormatException>(() => FcidumpReader.ParseText(text, "open.fcidump"));

        Assert.Equal("open.fcidump:2000: the &FCI namelist has more than 10000 values; is its terminator ('&END' or '/') missing?",
            e.Message);
    }

    /// <summary>A valid two-orbital FCIDUMP of at least <paramref name="bytes"/> bytes (the same integral repeated:
    /// a later line replaces an earlier one).</summary>
    public static string BigFcidump(int bytes)
    {
        var text = new System.Text.StringBuilder("&FCI NORB=2, NELEC=2, MS2=0 /\n");
        while (text.Length < bytes)
        {
            text.Append(" 6.74488766289997987435E-01   1   1   1   1\n");
        }
        return text.ToString();
    }
}
