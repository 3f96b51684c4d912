using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dataflow.Kernels.Tune;

/// <summary>One measured candidate, a line of the JSONL tuning log.</summary>
/// <param name="Task">The task's key (<see cref="TuneTask.Key"/>): operator and shape.</param>
/// <param name="Schedule">The schedule's key (<see cref="TuneSchedule.Key"/>).</param>
/// <param name="MedianSeconds">Median of the repeats after outlier rejection, seconds per run.</param>
/// <param name="Repeats">Timed runs kept after outlier rejection.</param>
/// <param name="Node">The node that measured it.</param>
/// <param name="Machine">What the node is: processor, cores, vector width, runtime.</param>
public sealed record TuneRecord(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("schedule")] string Schedule,
    [property: JsonPropertyName("medianSeconds")] double MedianSeconds,
    [property: JsonPropertyName("repeats")] int Repeats,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("machine")] string Machine)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <summary>The record as one JSON line.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads a JSONL log; a bad line throws <see cref="FormatException"/> naming file and line.</summary>
    public static List<TuneRecord> ReadLog(string path) => ParseLog(File.ReadAllText(path), path);

    /// <summary>Parses JSONL log text; a bad line throws <see cref="FormatException"/> naming
    /// <paramref name="source"/> and the line.</summary>
    public static List<TuneRecord> ParseLog(string text, string source)
    {
        var records = new List<TuneRecord>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            TuneRecord? r;
            try
            {
                r = JsonSerializer.Deserialize<TuneRecord>(line, s_json);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{source}:{number}: not a tuning record: {ex.Message}", ex);
            }
            if (r is null || string.IsNullOrEmpty(r.Task) || string.IsNullOrEmpty(r.Schedule) || !(r.MedianSeconds > 0))
            {
                throw new FormatException($"{source}:{number}: a tuning record needs task, schedule and a positive medianSeconds");
            }
            try
            {
                TuneTask.ParseKey(r.Task);
                TuneSchedule.Parse(r.Schedule);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"{source}:{number}: {ex.Message}", ex);
            }
            records.Add(r);
        }
        return records;
    }

    /// <summary>Appends records to a JSONL log, one line each, flushed before it returns.</summary>
    public static void Append(string path, IEnumerable<TuneRecord> records)
    {
        using var writer = new StreamWriter(path, append: true);
        foreach (var r in records)
        {
            writer.WriteLine(r.ToJsonLine());
        }
    }

    /// <summary>This machine as a log names it.</summary>
    public static string DescribeMachine() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores, "
        + $"{System.Numerics.Vector<float>.Count * 32}-bit vectors, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";
}
