using Dataflow.Kernels.Compute;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class ComputeBackendSelectionSpec
{
    private static readonly Func<string?> s_cudaPresent = () => null;
    private static readonly Func<string?> s_cudaAbsent = () => "no CUDA device found";
    private static readonly Func<string?> s_mustNotProbe = () => throw new InvalidOperationException("probed CUDA");

    [Fact]
    public void Automatic_selection_falls_back_to_direct_cpu_dispatch_when_CUDA_is_absent()
    {
        var selection = ComputeBackendSelection.Resolve(null, null, s_cudaAbsent);
        Assert.Equal(ComputeBackendKind.Cpu, selection.Kind);
        Assert.True(selection.Automatic);
        Assert.Contains("no CUDA device found", selection.Reason);
    }

    [Fact]
    public void Automatic_selection_takes_CUDA_when_a_device_is_present()
    {
        var selection = ComputeBackendSelection.Resolve(null, "  ", s_cudaPresent);
        Assert.Equal(ComputeBackendKind.Cuda, selection.Kind);
        Assert.True(selection.Automatic);
    }

    [Theory]
    [InlineData("cpu", ComputeBackendKind.Cpu)]
    [InlineData(" CPU ", ComputeBackendKind.Cpu)]
    [InlineData("cuda", ComputeBackendKind.Cuda)]
    [InlineData("ilgpu-cpu", ComputeBackendKind.IlgpuCpu)]
    public void Environment_value_names_the_backend(string value, ComputeBackendKind expected)
    {
        var selection = ComputeBackendSelection.Resolve(null, value, s_cudaPresent);
        Assert.Equal(expected, selection.Kind);
        Assert.False(selection.Automatic);
        Assert.Contains(ComputeBackendSelection.EnvironmentVariable, selection.Reason);
    }

    [Fact]
    public void Environment_cpu_overrides_a_present_CUDA_device_without_probing_it()
    {
        Assert.Equal(ComputeBackendKind.Cpu, ComputeBackendSelection.Resolve(null, "cpu", s_mustNotProbe).Kind);
        Assert.Equal(ComputeBackendKind.IlgpuCpu, ComputeBackendSelection.Resolve(null, "ilgpu-cpu", s_mustNotProbe).Kind);
    }

    [Fact]
    public void Explicit_kind_wins_over_the_environment()
    {
        var selection = ComputeBackendSelection.Resolve(ComputeBackendKind.IlgpuCpu, "cuda", s_mustNotProbe);
        Assert.Equal(ComputeBackendKind.IlgpuCpu, selection.Kind);
        Assert.Equal("requested by the caller", selection.Reason);
    }

    [Fact]
    public void Explicit_CUDA_without_a_device_fails_instead_of_falling_back()
    {
        var fromCaller = Assert.Throws<InvalidOperationException>(
            () => ComputeBackendSelection.Resolve(ComputeBackendKind.Cuda, null, s_cudaAbsent));
        Assert.Contains("no CUDA device found", fromCaller.Message);
        var fromEnvironment = Assert.Throws<InvalidOperationException>(
            () => ComputeBackendSelection.Resolve(null, "cuda", s_cudaAbsent));
        Assert.Contains("DATAFLOW_COMPUTE_BACKEND=cuda", fromEnvironment.Message);
    }

    [Fact]
    public void Unknown_environment_value_is_rejected_with_the_variable_and_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => ComputeBackendSelection.Resolve(null, "gpu", s_cudaPresent));
        Assert.Contains("DATAFLOW_COMPUTE_BACKEND='gpu'", error.Message);
        Assert.Contains("cpu, cuda, ilgpu-cpu", error.Message);
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.Cuda)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void Environment_spelling_round_trips(ComputeBackendKind kind) =>
        Assert.Equal(kind, ComputeBackendSelection.ParseEnvironmentValue(ComputeBackendSelection.ToEnvironmentValue(kind)));
}
