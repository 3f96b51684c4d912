namespace Dataflow.Kernels.Compute;

/// <summary>Which backend a node uses and why: the decision <see cref="ComputeBackend.Create"/> acts on.</summary>
/// <param name="Kind">The backend to build.</param>
/// <param name="Reason">One line for logs and status: who asked for it, or why CUDA was not used.</param>
/// <param name="Automatic">True when neither the caller nor the environment named the backend.</param>
public sealed record ComputeBackendSelection(ComputeBackendKind Kind, string Reason, bool Automatic)
{
    /// <summary>The environment variable that overrides automatic selection on a node.</summary>
    public const string EnvironmentVariable = "DATAFLOW_COMPUTE_BACKEND";

    /// <summary>Decides the backend: an explicit <paramref name="preferred"/> kind first, then the
    /// environment override, else CUDA when a device is present and direct CPU dispatch otherwise.</summary>
    /// <param name="preferred">The caller's choice, or null to let the node decide.</param>
    /// <param name="environmentValue">The value of <see cref="EnvironmentVariable"/> (null or empty when unset).</param>
    /// <param name="probeCuda">Looks for a CUDA device; called only when CUDA is a candidate. Returns null when a
    /// device is usable, else why not.</param>
    /// <exception cref="ArgumentException">The environment value is not one of <c>cpu</c>, <c>cuda</c>,
    /// <c>ilgpu-cpu</c>.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for explicitly and is not usable.</exception>
    public static ComputeBackendSelection Resolve(
        ComputeBackendKind? preferred, string? environmentValue, Func<string?> probeCuda)
    {
        ArgumentNullException.ThrowIfNull(probeCuda);
        var (requested, source) = preferred is { } kind
            ? (kind, "requested by the caller")
            : ParseEnvironmentValue(environmentValue) is { } fromEnvironment
                ? (fromEnvironment, $"{EnvironmentVariable}={environmentValue!.Trim()}")
                : ((ComputeBackendKind?)null, "automatic");
        if (requested is { } explicitKind)
        {
            if (explicitKind == ComputeBackendKind.Cuda && probeCuda() is { } problem)
            {
                throw new InvalidOperationException($"CUDA backend {source}, but CUDA is not usable: {problem}");
            }
            return new ComputeBackendSelection(explicitKind, source, Automatic: false);
        }
        return probeCuda() is { } whyNot
            ? new ComputeBackendSelection(ComputeBackendKind.Cpu, $"automatic: CUDA not used ({whyNot})", Automatic: true)
            : new ComputeBackendSelection(ComputeBackendKind.Cuda, "automatic: CUDA device found", Automatic: true);
    }

    /// <summary>Reads a <see cref="EnvironmentVariable"/> value, case-insensitive and trimmed.</summary>
    /// <returns>The kind named, or null when the value is null or blank.</returns>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static ComputeBackendKind? ParseEnvironmentValue(string? value) =>
        value?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "cpu" => ComputeBackendKind.Cpu,
            "cuda" => ComputeBackendKind.Cuda,
            "ilgpu-cpu" => ComputeBackendKind.IlgpuCpu,
            _ => throw new ArgumentException(
                $"{EnvironmentVariable}='{value}' is not one of cpu, cuda, ilgpu-cpu", nameof(value)),
        };

    /// <summary>The <see cref="EnvironmentVariable"/> spelling of <paramref name="kind"/>, also used in status lines.</summary>
    public static string ToEnvironmentValue(ComputeBackendKind kind) => kind switch
    {
        ComputeBackendKind.Cpu => "cpu",
        ComputeBackendKind.Cuda => "cuda",
        ComputeBackendKind.IlgpuCpu => "ilgpu-cpu",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
