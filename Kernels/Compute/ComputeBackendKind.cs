namespace Dataflow.Kernels.Compute;

/// <summary>Where a <see cref="ComputeBackend"/> runs its ILGPU kernels.</summary>
public enum ComputeBackendKind
{
    /// <summary>An NVIDIA GPU through ILGPU's CUDA accelerator (<c>DATAFLOW_COMPUTE_BACKEND=cuda</c>).</summary>
    Cuda,

    /// <summary>Direct dispatch on the CPU: the kernel method is called from <c>Parallel.For</c> over index
    /// ranges on host buffers (<c>DATAFLOW_COMPUTE_BACKEND=cpu</c>).</summary>
    Cpu,

    /// <summary>ILGPU's CPU accelerator, a GPU emulator: for tests and diagnostics, never for throughput
    /// (<c>DATAFLOW_COMPUTE_BACKEND=ilgpu-cpu</c>).</summary>
    IlgpuCpu,
}
