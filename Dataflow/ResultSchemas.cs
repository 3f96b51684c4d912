namespace Dataflow;

/// <summary>The JSON Schemas (draft 2020-12) of the workloads' results, one per workload: what a job's JSON result
/// (<see cref="JobResult.Json"/>, <c>dataflow run VERB --json FILE</c>) must look like.</summary>
/// <remarks>The same files are in the source tree at <c>Dataflow/Schemas/</c> and beside the assembly in
/// <see cref="Directory"/>.</remarks>
public static class ResultSchemas
{
    private const string ResourcePrefix = "Dataflow.Schemas.";
    private const string Suffix = ".result.schema.json";

    /// <summary>The folder the schema files are copied to: <c>Schemas/</c> beside the application.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Schemas");

    /// <summary>The workloads that have a result schema, e.g. <c>train</c>.</summary>
    public static IReadOnlyList<string> Workloads { get; } = typeof(ResultSchemas).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^Suffix.Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The schema's file name, e.g. <c>train.result.schema.json</c>.</summary>
    public static string FileName(string workload) => workload + Suffix;

    /// <summary>The schema of <paramref name="workload"/>'s result, as JSON text.</summary>
    /// <exception cref="ArgumentException"><paramref name="workload"/> has no result schema.</exception>
    public static string Text(string workload)
    {
        using var stream = typeof(ResultSchemas).Assembly.GetManifestResourceStream(ResourcePrefix + FileName(workload))
            ?? throw new ArgumentException(
                $"no result schema for workload '{workload}' (known: {string.Join(", ", Workloads)})", nameof(workload));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
