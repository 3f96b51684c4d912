using ILGPU;

namespace Dataflow.Kernels.Compute.Kernels;

/// <summary>SAXPY, <c>y = a x + y</c> in single precision (BLAS level 1): one index per element.</summary>
public static class SaxpyKernel
{
    /// <summary>Updates <c>y[index] = a * x[index] + y[index]</c>.</summary>
    /// <remarks>A multiply then an add, each rounded: the .NET JIT does not fuse them. PTX assemblers may fuse
    /// them into one FMA on the GPU, so CUDA results can differ from the CPU's in the last bit.</remarks>
    public static void Apply(Index1D index, float a, ArrayView<float> x, ArrayView<float> y) =>
        y[index] = a * x[index] + y[index];
}
