using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Dataflow.Kernels.Compute;

/// <summary>Compiles a static kernel method to PTX without a GPU: proof on any node that a kernel is one
/// ILGPU's CUDA backend accepts.</summary>
public static class PtxKernelCompiler
{
    /// <summary>The PTX assembly of <paramref name="kernel"/> as an implicitly grouped kernel.</summary>
    /// <param name="kernel">A static kernel method <c>(Index1D, ...)</c>.</param>
    /// <param name="architecture">Target architecture; default sm_70 (Volta). ILGPU 1.5 emits at most
    /// <c>.target sm_80</c>, which the driver JIT-compiles for newer GPUs.</param>
    /// <exception cref="ArgumentException">The kernel is not a static method.</exception>
    public static string Compile(Delegate kernel, CudaArchitecture? architecture = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (!kernel.Method.IsStatic || kernel.Target is not null)
        {
            throw new ArgumentException($"{kernel.Method.Name} is not a static kernel method", nameof(kernel));
        }
        var target = architecture ?? CudaArchitecture.SM_70;
        using var context = Context.Create(b => b.Cuda());
        using var backend = new PTXBackend(
            context, new CudaCapabilityContext(target), target, CudaInstructionSet.ISA_80, nvvmAPI: null);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        return compiled.PTXAssembly;
    }
}
