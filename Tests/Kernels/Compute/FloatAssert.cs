using System.Runtime.InteropServices;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

/// <summary>Float comparisons the compute specs share.</summary>
internal static class FloatAssert
{
    /// <summary>Asserts identical bit patterns, so that -0 and 0, or two NaN payloads, count as different.</summary>
    public static void BitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var e = MemoryMarshal.Cast<float, int>(expected);
        var a = MemoryMarshal.Cast<float, int>(actual);
        for (var i = 0; i < e.Length; i++)
        {
            if (e[i] != a[i])
            {
                Assert.Fail($"element {i}: expected {expected[i]:R} (0x{e[i]:x8}), got {actual[i]:R} (0x{a[i]:x8})");
            }
        }
    }

    /// <summary>Asserts |actual - expected| &lt;= relative * max(|expected|, floor) element-wise.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double floor)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = relative * Math.Max(Math.Abs(expected[i]), floor);
            if (Math.Abs(actual[i] - expected[i]) > tolerance)
            {
                Assert.Fail($"element {i}: expected {expected[i]:R} within {tolerance:G3}, got {actual[i]:R}");
            }
        }
    }
}
