using System.Reflection;

namespace Dataflow.Actors.Runtime;

/// <summary>The version of this build of Dataflow, as <c>dataflow --version</c> prints it and results record it.</summary>
public static class DataflowVersion
{
    /// <summary>The informational version: the release and, when built from a git checkout, the short commit.</summary>
    /// <remarks>For example <c>0.5.0+abc1234</c>; set in <c>Directory.Build.props</c>.</remarks>
    public static string Current { get; } =
        typeof(DataflowVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(DataflowVersion).Assembly.GetName().Version?.ToString(3)
        ?? "unknown";
}
