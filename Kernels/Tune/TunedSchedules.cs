using System.Collections.Concurrent;

namespace Dataflow.Kernels.Tune;

/// <summary>The best schedule per task from tuning logs: what the tuned operators and the md pair kernel run when a
/// record exists for their shape (<c>dataflow run tune --log F</c> writes the log; <see cref="Apply(string)"/> or
/// <c>DATAFLOW_TUNE_LOG</c> loads it).</summary>
public static class TunedSchedules
{
    /// <summary>Environment variable naming a log loaded on first use.</summary>
    public const string EnvironmentVariable = "DATAFLOW_TUNE_LOG";

    private static readonly ConcurrentDictionary<string, (TuneSchedule Schedule, double Seconds)> s_best = new(StringComparer.Ordinal);
    private static readonly Lazy<bool> s_fromEnvironment = new(() =>
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path && File.Exists(path))
        {
            Apply(TuneRecord.ReadLog(path));
        }
        return true;
    });

    /// <summary>Loads a JSONL log; for each task the fastest record wins (over earlier loads too).</summary>
    /// <returns>The tasks that now have a record.</returns>
    public static int Apply(string logPath) => Apply(TuneRecord.ReadLog(logPath));

    /// <summary>Takes records; for each task the fastest wins.</summary>
    public static int Apply(IEnumerable<TuneRecord> records)
    {
        foreach (var r in records)
        {
            var schedule = TuneSchedule.Parse(r.Schedule);
            s_best.AddOrUpdate(r.Task, (schedule, r.MedianSeconds),
                (_, old) => r.MedianSeconds < old.Seconds ? (schedule, r.MedianSeconds) : old);
        }
        return s_best.Count;
    }

    /// <summary>Forgets every record.</summary>
    public static void Clear() => s_best.Clear();

    /// <summary>The best recorded schedule of <paramref name="task"/>, or the operator's untuned default.</summary>
    public static TuneSchedule For(TuneTask task, int maxThreads)
    {
        _ = s_fromEnvironment.Value;
        return s_best.TryGetValue(task.Key, out var best) ? best.Schedule : ScheduleSpace.For(task.Operator, maxThreads).Default;
    }

    /// <summary>The minimum chunk length the md lj/cut kernel launches with for <paramref name="atoms"/> atoms and a
    /// cutoff of <paramref name="cutoffSigma"/>: the record's, else <paramref name="untuned"/>.</summary>
    public static int LennardJonesChunk(int atoms, double cutoffSigma, int untuned)
    {
        _ = s_fromEnvironment.Value;
        var key = new TuneTask("md", TuneOperator.LennardJonesPair, [atoms, (int)Math.Round(10 * cutoffSigma)], ["lj_pair"]).Key;
        return s_best.TryGetValue(key, out var best) && best.Schedule.Chunk > 0 ? best.Schedule.Chunk : untuned;
    }
}
