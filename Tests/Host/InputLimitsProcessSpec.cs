using Dataflow.Host;
using Dataflow.Kernels.Md;
using Dataflow.Tests.Kernels.Input;
using Dataflow.Tests.Kernels.Md;
using Dataflow.Tests.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run</c> refuses inputs that declare or hold more than the limits allow with one line naming the
/// file and the numbers, exit code 2, before a cluster starts.</summary>
public sealed class InputLimitsProcessSpec
{
    // Generous: a refusal takes well under a second of work, but process start-up on a loaded machine does not.
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_data_file_declaring_two_billion_atoms_exits_2_naming_the_line_and_the_numbers()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parse-atoms-{Guid.NewGuid():N}.data");
        File.WriteAllText(path, LammpsDataLimitsSpec.FourAtomsDeclaring("2000000000"));
        try
        {
            var run = await LocalHosts.RunCliAsync(["run", "md", "--data", path, "--pair-coeff", "1 1 1 1"], s_limit);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}:3: declares 2000000000 atoms but the file holds at most 8 atom lines (88 bytes after the header", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_gzip_bomb_exits_2_naming_the_file_and_the_limit()
    {
        var path = GzipBomb.Write();
        try
        {
            var run = await LocalHosts.RunCliAsync(["run", "md", "--data", path], s_limit);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}: gzip data expands more than 100 times (a decompression bomb?); stopped after ", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_fcidump_over_the_input_limit_exits_2_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parse-fcidump-{Guid.NewGuid():N}.fcidump");
        File.WriteAllText(path, FcidumpReaderLimitsSpec.BigFcidump(70_000));
        try
        {
            var run = await LocalHosts.RunCliAsync(["run", "fci", "--fcidump", path], s_limit,
                environment: new Dictionary<string, string?> { ["DATAFLOW_MAX_INPUT_BYTES"] = "64KiB" });

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}: the file is 68.", run.Stderr);
            Assert.Contains("above the input limit of 64.0 KiB (DATAFLOW_MAX_INPUT_BYTES)", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
