using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dataflow.Actors.Runtime;

/// <summary>What every job's result carries besides the workload's own figures: the schema version, the
/// <c>dataflow</c> version that computed it, the job's id and its wall time.</summary>
/// <remarks>Each workload's result is one record derived from this; the JSON a job returns (and <c>--json</c> writes)
/// is that record serialized, camelCase, and nothing else. <see cref="SchemaVersion"/> changes when a field is removed
/// or changes meaning; each workload's JSON Schema is <c>Dataflow/Schemas/VERB.result.schema.json</c> (<c>ResultSchemas</c>).</remarks>
public abstract record WorkloadResult
{
    /// <summary>The result schema version this build writes.</summary>
    /// <remarks>2: train and nqs inputs lost <c>checkpointDirectory</c> (a path on the driver's host) and gained
    /// <c>checkpointFiles</c>.</remarks>
    public const int CurrentSchemaVersion = 2;

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Results are files for people and tools, not HTML: '+' in a version stays '+'.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The version of the result's schema.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The <c>dataflow</c> version that computed the result.</summary>
    public string DataflowVersion { get; init; } = Runtime.DataflowVersion.Current;

    /// <summary>The job's id.</summary>
    public string JobId { get; init; } = "";

    /// <summary>Wall time in seconds from the cluster's acceptance of the job to its result, fail-overs included.</summary>
    public double Seconds { get; init; }

    /// <summary>The options results are written and read with (camelCase, enums as camelCase strings).</summary>
    public static JsonSerializerOptions JsonOptions => s_options;


    /// <summary>The result as JSON: this record, by its runtime type.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, GetType(), s_options);
}
