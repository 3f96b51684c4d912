using Dataflow.Kernels.Compute;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

/// <summary>A fact about CPU-only nodes: runs only where ILGPU finds no CUDA device.</summary>
public sealed class WithoutCudaFactAttribute : FactAttribute
{
    public WithoutCudaFactAttribute()
    {
        if (ComputeBackend.IsCudaAvailable)
        {
            Skip = "a CUDA device is present; the CPU fallback is tested on CPU-only nodes";
        }
    }
}
