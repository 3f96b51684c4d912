using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dataflow.Kernels.Tune;

/// <summary>A model's task list as JSON: <c>{"name": "...", "tasks": [{"name", "op", "shape", "ops", "weight"}]}</c>,
/// the format of <c>dataflow run tune --model FILE.json</c>.</summary>
public static class TuneModelJson
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The model as JSON text.</summary>
    public static string Write(TuneModel model) => JsonSerializer.Serialize(
        new ModelDto(model.Name, model.Tasks.Select(t => new TaskDto(t.Name, TuneTask.OperatorName(t.Operator), t.Shape, t.Ops, t.Weight)).ToArray()),
        s_json);

    /// <summary>Parses a model; errors throw <see cref="FormatException"/> naming <paramref name="source"/>, the line
    /// and what was wrong.</summary>
    public static TuneModel Parse(string text, string source)
    {
        ModelDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ModelDto>(text, s_json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{source}:{(ex.LineNumber ?? 0) + 1}: not a model task list: {ex.Message}", ex);
        }
        if (dto?.Tasks is not { Length: > 0 } tasks)
        {
            throw new FormatException($"{source}: a model needs a non-empty \"tasks\" array");
        }
        var list = new List<TuneTask>();
        for (var i = 0; i < tasks.Length; i++)
        {
            var t = tasks[i];
            try
            {
                var op = TuneTask.ParseOperator(t.Op ?? throw new ArgumentException("\"op\" is missing"));
                var task = new TuneTask(t.Name ?? $"task{i}", op, t.Shape ?? [], t.Ops ?? [TuneTask.OperatorName(op)], t.Weight ?? 1);
                task.Validate();
                list.Add(task);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                throw new FormatException($"{source}: tasks[{i}]: {ex.Message}", ex);
            }
        }
        return new TuneModel(dto.Name ?? source, [.. list]);
    }

    internal sealed record ModelDto(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("tasks")] TaskDto[]? Tasks);

    internal sealed record TaskDto(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("op")] string? Op,
        [property: JsonPropertyName("shape")] int[]? Shape,
        [property: JsonPropertyName("ops")] string[]? Ops,
        [property: JsonPropertyName("weight")] int? Weight);
}
