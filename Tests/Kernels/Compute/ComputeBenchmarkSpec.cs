using Dataflow.Kernels.Compute;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class ComputeBenchmarkSpec
{
    [Fact]
    public void Prints_every_variant_side_by_side_with_outputs_identical_to_the_plain_loop()
    {
        using var output = new StringWriter();
        var report = ComputeBenchmark.Run(
            output,
            new ComputeBenchmarkSettings { Particles = 216, SaxpyLength = 5000, Repetitions = 1, EmulatorRepetitions = 1 });

        var variants = new List<string>
        {
            "plain Parallel.For", "Parallel.For per index", "direct dispatch", "ILGPU CPU accelerator",
        };
        if (ComputeBackend.IsCudaAvailable)
        {
            variants.Add("ILGPU CUDA");
        }
        foreach (var kernel in new[] { "lennard-jones energy", "saxpy" })
        {
            var rows = report.Rows.Where(r => r.Kernel == kernel).ToList();
            Assert.Equal(variants, rows.Select(r => r.Variant));
            Assert.All(rows, r => Assert.True(r.MillisecondsPerLaunch > 0));
            // The outputs themselves, not the benchmark's verdict: CUDA may fuse multiply-adds; every CPU variant runs
            // the same arithmetic and must give the plain loop's bits. The outputs are not trivially equal (zeros).
            var plain = rows[0].Output!;
            Assert.Equal(kernel == "saxpy" ? 5000 : 216, plain.Length);
            Assert.True(plain.Count(v => v != 0f && float.IsFinite(v)) > plain.Length / 2, $"{kernel}: mostly zero or non-finite outputs");
            Assert.True(plain.Distinct().Count() > plain.Length / 2, $"{kernel}: outputs do not vary");
            foreach (var row in rows.Skip(1).Where(r => r.Variant != "ILGPU CUDA"))
            {
                Assert.Equal(plain, row.Output!);
                Assert.Equal(0.0, row.MaxRelativeDifference);
            }
        }
        var text = output.ToString();
        Assert.Contains("ms/launch", text);
        Assert.Contains("ratio", text);
        Assert.Contains("compute benchmark finished in", text);
    }
}
