using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Compute.Kernels;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class SaxpyKernelSpec
{
    [Fact]
    public void Direct_dispatch_and_the_ILGPU_CPU_accelerator_agree_bitwise_with_a_plain_loop()
    {
        const int n = 20_011;
        const float a = -1.7f;
        var random = new Random(11);
        var x = Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * 1e3)).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * 1e-2)).ToArray();
        var expected = new float[n];
        for (var i = 0; i < n; i++)
        {
            expected[i] = a * x[i] + y[i];
        }

        var direct = Run(ComputeBackendKind.Cpu, a, x, y);
        var emulated = Run(ComputeBackendKind.IlgpuCpu, a, x, y);

        // One multiply and one add per element, each rounded to float by the same JIT-compiled code.
        FloatAssert.BitwiseEqual(expected, direct);
        FloatAssert.BitwiseEqual(direct, emulated);
    }

    [Fact]
    public void Compiles_to_PTX_for_a_CUDA_device()
    {
        var ptx = PtxKernelCompiler.Compile(SaxpyKernel.Apply);
        Assert.Contains(".target sm_70", ptx);
        Assert.Contains(".entry", ptx);
        Assert.Contains("mul.f32", ptx);
        Assert.Contains("add.f32", ptx);
    }

    private static float[] Run(ComputeBackendKind kind, float a, float[] x, float[] y)
    {
        using var backend = ComputeBackend.Create(kind, new ComputeBackendOptions { MinChunkLength = 1024 });
        using var xb = backend.FromArray(x);
        using var yb = backend.FromArray(y);
        backend.Launch(SaxpyKernel.Apply, x.Length, a, xb.View, yb.View);
        return yb.ToArray();
    }
}
