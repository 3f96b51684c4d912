using Dataflow.Kernels.Compute;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

/// <summary>A fact that runs only where ILGPU finds a CUDA device, and is reported as skipped, with the reason,
/// everywhere else.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!ComputeBackend.IsCudaAvailable)
        {
            Skip = $"CUDA path not tested on this node: {ComputeBackend.CudaUnavailableReason}";
        }
    }
}
