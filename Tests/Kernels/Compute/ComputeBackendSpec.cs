using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Compute.Kernels;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

/// <summary>Specs that set <c>DATAFLOW_COMPUTE_BACKEND</c> for the whole process run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ComputeEnvironmentCollection
{
    public const string Name = "compute environment";
}

[Collection(ComputeEnvironmentCollection.Name)]
public sealed class ComputeBackendSpec
{
    [Theory]
    [InlineData("cpu", ComputeBackendKind.Cpu)]
    [InlineData("ilgpu-cpu", ComputeBackendKind.IlgpuCpu)]
    public void Environment_variable_selects_the_backend_Create_builds(string value, ComputeBackendKind expected)
    {
        WithEnvironment(value, () =>
        {
            using var backend = ComputeBackend.Create();
            Assert.Equal(expected, backend.Kind);
            Assert.Equal($"DATAFLOW_COMPUTE_BACKEND={value}", backend.Selection.Reason);
            using var explicitChoice = ComputeBackend.Create(ComputeBackendKind.Cpu);
            Assert.Equal(ComputeBackendKind.Cpu, explicitChoice.Kind);
        });
    }

    [Fact]
    public void Invalid_environment_variable_fails_Create_with_one_clear_line()
    {
        WithEnvironment("opencl", () =>
        {
            var error = Assert.Throws<ArgumentException>(() => ComputeBackend.Create());
            Assert.StartsWith("DATAFLOW_COMPUTE_BACKEND='opencl' is not one of cpu, cuda, ilgpu-cpu", error.Message);
        });
    }

    [WithoutCudaFact]
    public void Create_falls_back_to_direct_cpu_dispatch_when_no_CUDA_device_exists()
    {
        WithEnvironment(null, () =>
        {
            using var backend = ComputeBackend.Create();
            Assert.Equal(ComputeBackendKind.Cpu, backend.Kind);
            Assert.True(backend.Selection.Automatic);
            Assert.Contains(ComputeBackend.CudaUnavailableReason!, backend.Describe());
            Assert.Throws<InvalidOperationException>(() => ComputeBackend.Create(ComputeBackendKind.Cuda));
        });
    }

    [CudaFact]
    public void Create_selects_CUDA_when_a_device_exists()
    {
        WithEnvironment(null, () =>
        {
            using var backend = ComputeBackend.Create();
            Assert.Equal(ComputeBackendKind.Cuda, backend.Kind);
            Assert.StartsWith("cuda: ", backend.Name);
            Assert.Equal(0, backend.CompiledKernelCount);
        });
    }

    [CudaFact]
    public void CUDA_launches_match_direct_dispatch()
    {
        const int n = 3001;
        var random = new Random(7);
        var x = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var positions = Enumerable.Range(0, 512)
            .Select(i => new Float3(i % 8 * 0.38f, i / 8 % 8 * 0.38f, (i / 64 * 0.38f) + (float)(random.NextDouble() * 0.02)))
            .ToArray();
        using var cuda = ComputeBackend.Create(ComputeBackendKind.Cuda);
        using var cpu = ComputeBackend.Create(ComputeBackendKind.Cpu);
        var (cudaY, cudaEnergy) = RunBoth(cuda, x, y, positions);
        var (cpuY, cpuEnergy) = RunBoth(cpu, x, y, positions);
        // The PTX assembler may fuse a multiply and an add into one FMA, so results agree to rounding, not
        // to the bit.
        FloatAssert.Close(cpuY.Select(v => (double)v).ToArray(), cudaY, 1e-6, 1e-6);
        FloatAssert.Close(cpuEnergy.Select(v => (double)v).ToArray(), cudaEnergy, 1e-5, 1e-3);
        Assert.Equal(2, cuda.CompiledKernelCount);
    }

    [Fact]
    public void Describe_names_the_backend_its_memory_and_why_it_was_chosen()
    {
        var options = new ComputeBackendOptions { MaxDegreeOfParallelism = 3 };
        using var cpu = ComputeBackend.Create(ComputeBackendKind.Cpu, options);
        Assert.StartsWith("cpu: direct dispatch on ", cpu.Name);
        Assert.Contains("3 workers", cpu.Describe());
        Assert.Contains("GiB host memory", cpu.Describe());
        Assert.EndsWith("requested by the caller", cpu.Describe());
        Assert.True(cpu.MemoryBytes > 0);

        using var emulator = ComputeBackend.Create(ComputeBackendKind.IlgpuCpu);
        Assert.StartsWith("ilgpu-cpu: ", emulator.Name);
        Assert.Contains("GiB host memory", emulator.Describe());
    }

    [Fact]
    public void A_disposed_backend_refuses_work()
    {
        var backend = ComputeBackend.Create(ComputeBackendKind.Cpu);
        using var buffer = backend.Allocate1D<float>(4);
        backend.Dispose();
        backend.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backend.Allocate1D<float>(1));
        Assert.Throws<ObjectDisposedException>(
            () => backend.Launch(SaxpyKernel.Apply, 4, 1f, buffer.View, buffer.View));
    }

    private static (float[] Y, float[] Energy) RunBoth(ComputeBackend backend, float[] x, float[] y, Float3[] positions)
    {
        using var xb = backend.FromArray(x);
        using var yb = backend.FromArray(y);
        backend.Launch(SaxpyKernel.Apply, x.Length, 0.75f, xb.View, yb.View);
        using var pb = backend.FromArray(positions);
        using var energy = backend.Allocate1D<float>(positions.Length);
        backend.Launch(
            LennardJonesKernel.PerParticleEnergy, positions.Length, pb.View, LennardJonesParameters.Argon, energy.View);
        return (yb.ToArray(), energy.ToArray());
    }

    private static void WithEnvironment(string? value, Action body)
    {
        var saved = Environment.GetEnvironmentVariable(ComputeBackendSelection.EnvironmentVariable);
        Environment.SetEnvironmentVariable(ComputeBackendSelection.EnvironmentVariable, value);
        try
        {
            body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(ComputeBackendSelection.EnvironmentVariable, saved);
        }
    }
}
