using Dataflow.Kernels.Compute;
using TorchSharp;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class TorchRuntimeSpec
{
    [Fact]
    public void Float32_convolutions_do_not_run_through_onednn_and_train_a_conv_net_with_finite_gradients()
    {
        // With oneDNN, 300 SGD steps of a six-layer float32 conv net of these layer shapes (its middle layer fed 113
        // channels) gave NaN gradients in 8 of 12 processes on an AVX-512 EPYC (TorchRuntime.DisableOneDnn); 100 steps.
        TorchRuntime.EnsureLoaded(1);
        Assert.False(TorchRuntime.OneDnnEnabled);
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(3);
        torch.nn.Module<torch.Tensor, torch.Tensor> Conv(long input, long output, long stride) =>
            torch.nn.Conv2d(input, output, 3, stride: stride, padding: 1);
        var layers = new[] { Conv(1, 16, 2), Conv(16, 32, 2), Conv(32, 32, 1), Conv(96, 64, 1), Conv(64, 32, 1), Conv(32, 2, 1) };
        var parameters = layers.SelectMany(l => l.parameters()).ToArray();
        using var rate = 0.01.ToScalar();
        for (var step = 0; step < 100; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            torch.Tensor Encode(torch.Tensor x) =>
                layers[2].forward(torch.nn.functional.relu(layers[1].forward(torch.nn.functional.relu(layers[0].forward(x)))));
            var a = Encode(torch.rand([16, 1, 48, 64], generator: generator));
            var b = Encode(torch.rand([16, 1, 48, 64], generator: generator));
            var x = torch.nn.functional.relu(layers[3].forward(torch.cat([a.mul(b), a, b], 1)));
            var output = layers[5].forward(torch.nn.functional.relu(layers[4].forward(x)));
            var loss = torch.nn.functional.mse_loss(output, torch.rand([16, 2, 12, 16], generator: generator));
            foreach (var p in parameters)
            {
                using var grad = p.grad;
                grad?.zero_();
            }
            loss.backward();
            using (torch.no_grad())
            {
                foreach (var p in parameters)
                {
                    using var grad = p.grad;
                    Assert.True(grad!.isfinite().all().item<bool>(), $"non-finite gradient at step {step}");
                    p.sub_(grad.mul(rate));
                }
            }
        }
    }

    [Fact]
    public void Loads_libtorch_and_computes_a_matrix_product()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new double[] { 1, 2, 3, 4 }, 2, 2);
        var b = torch.tensor(new double[] { 5, 6, 7, 8 }, 2, 2);
        var c = torch.matmul(a, b).data<double>().ToArray();
        Assert.Equal(new double[] { 19, 22, 43, 50 }, c);
        Assert.NotNull(TorchRuntime.NativeDirectory);
        // The shim is loaded exactly when the native folder was prepared for an old libstdc++.
        Assert.Equal(File.Exists(Path.Combine(TorchRuntime.NativeDirectory!, "libglibcxx_shim.so")), TorchRuntime.ShimLoaded);
    }

    /// <summary>Runs prepare.sh against a stand-in libstdc++ that has, or lacks, GLIBCXX_3.4.32.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Prepare_applies_the_compatibility_fix_only_where_libstdcxx_needs_it(bool newLibstdcxx)
    {
        var root = FindRepositoryRoot();
        var temp = Directory.CreateTempSubdirectory("dataflow-native-");
        try
        {
            var fakeLib = Path.Combine(temp.FullName, "libstdc++.so.6");
            File.WriteAllText(fakeLib, newLibstdcxx ? "GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0" : "GLIBCXX_3.4.30\0");
            var output = Path.Combine(temp.FullName, "native");
            var psi = new System.Diagnostics.ProcessStartInfo("bash")
            {
                ArgumentList = { Path.Combine(root, "Kernels", "Compute", "Native", "prepare.sh"), output },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["LIBSTDCXX"] = fakeLib;
            using var p = System.Diagnostics.Process.Start(psi)!;
            var log = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, log);

            var original = File.ReadAllBytes(Path.Combine(TorchRuntime.NativeDirectory ?? LoadedDirectory(), "libLibTorchSharp.so"));
            var prepared = File.ReadAllBytes(Path.Combine(output, "libLibTorchSharp.so"));
            var shim = File.Exists(Path.Combine(output, "libglibcxx_shim.so"));
            var packageCopy = ReadPackageCopy();
            Assert.Equal(!newLibstdcxx, shim);
            if (newLibstdcxx)
            {
                Assert.Equal(packageCopy, prepared);
            }
            else
            {
                // Only the vna_flags half-word of one version requirement changes (VER_FLG_WEAK = 0x2 set).
                var changed = Enumerable.Range(0, prepared.Length).Where(i => prepared[i] != packageCopy[i]).ToArray();
                var index = Assert.Single(changed);
                Assert.Equal(packageCopy[index] | 0x2, prepared[index]);
                Assert.Equal(original.Length, prepared.Length);
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static string LoadedDirectory()
    {
        TorchRuntime.EnsureLoaded();
        return TorchRuntime.NativeDirectory!;
    }

    private static byte[] ReadPackageCopy()
    {
        // The same lookup prepare.sh makes.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
            foreach (var a in new[] { "nuget", "locals", "global-packages", "--list" })
            {
                psi.ArgumentList.Add(a);
            }
            using var p = System.Diagnostics.Process.Start(psi)!;
            var line = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            packages = line[(line.IndexOf(':') + 1)..].Trim();
        }
        return File.ReadAllBytes(Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
    }

    private static string FindRepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Dataflow.sln")))
            {
                return d.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }
}
