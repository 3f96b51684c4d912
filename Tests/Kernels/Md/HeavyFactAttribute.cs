using Xunit;

namespace Dataflow.Tests.Kernels.Md;

/// <summary>A fact too slow for every test run (a minute or more on two cores): reported as skipped unless
/// <c>DATAFLOW_HEAVY_TESTS=1</c>. Mark it <c>[Trait("Category", "Heavy")]</c> too, so that
/// <c>DATAFLOW_HEAVY_TESTS=1 dotnet test --filter Category=Heavy</c> runs exactly these.</summary>
public sealed class HeavyFactAttribute : FactAttribute
{
    /// <summary>The variable that enables heavy facts.</summary>
    public const string EnvironmentVariable = "DATAFLOW_HEAVY_TESTS";

    public HeavyFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) != "1")
        {
            Skip = $"heavy: set {EnvironmentVariable}=1 to run";
        }
    }
}
