using System.Text.Json;

namespace Dataflow;

/// <summary>A finished job's result: the workload's JSON object, readable as a typed record.</summary>
public sealed class JobResult(string jobId, string json)
{

    /// <summary>The job's id.</summary>
    public string JobId { get; } = jobId;

    /// <summary>The result as JSON, e.g. for <c>--json FILE</c>.</summary>
    public string Json { get; } = json;

    /// <summary>The result as a typed record, e.g. <see cref="Train.TrainResult"/>.</summary>
    public T As<T>() => JsonSerializer.Deserialize<T>(Json, Actors.Runtime.WorkloadResult.JsonOptions)
        ?? throw new InvalidOperationException($"job {JobId}: empty result");
}

/// <summary>A job was rejected or could not finish.</summary>
public sealed class DataflowJobException(string jobId, string message) : Exception(message)
{
    /// <summary>The job's id.</summary>
    public string JobId { get; } = jobId;
}
