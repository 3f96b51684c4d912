using Dataflow.Kernels.Compute;
using TorchSharp;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class TorchRuntimeSpec
{
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
}
