using System.Collections.Concurrent;

namespace Dataflow.Kernels.Tune;

/// <summary>The best schedule per task from tuning logs: what the tuned operators, md's pair kernel and nqs's local
/// energies run when a record exists for their shape (<c>dataflow run tune --log F</c> writes the log;
/// <c>dataflow tune apply --log F</c> installs its best records in <see cref="InstalledPath"/>; <see cref="Apply(string)"/>
/// or <c>DATAFLOW_TUNE_LOG</c> loads one).</summary>
public static class TunedSchedules
{
    /// <summary>Environment variable naming a log loaded on first use, instead of <see cref="InstalledPath"/>.</summary>
    public const string EnvironmentVariable = "DATAFLOW_TUNE_LOG";

    private static readonly ConcurrentDictionary<string, (TuneSchedule Schedule, double Seconds)> s_best = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, long> s_uses = new(StringComparer.Ordinal);
    private static readonly object s_loadLock = new();
    private static volatile bool s_loaded;

    /// <summary>Where <c>dataflow tune apply</c> installs records for this user: <c>$XDG_CONFIG_HOME/dataflow/tuned.jsonl</c>
    /// (<c>~/.config/dataflow/tuned.jsonl</c>). Processes that start later load it on first use unless
    /// <c>DATAFLOW_TUNE_LOG</c> names another log.</summary>
    public static string InstalledPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify),
            "dataflow", "tuned.jsonl");

    /// <summary>The log this process loads on first use: <c>DATAFLOW_TUNE_LOG</c> when set, else
    /// <see cref="InstalledPath"/>; null when that file does not exist.</summary>
    public static string? StartupLog =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path
            ? (File.Exists(path) ? path : null)
            : File.Exists(InstalledPath) ? InstalledPath : null;

    /// <summary>Loads a JSONL log; for each task the fastest record wins (over earlier loads too).</summary>
    /// <returns>The tasks that now have a record.</returns>
    public static int Apply(string logPath) => Apply(TuneRecord.ReadLog(logPath));

    /// <summary>Takes records; for each task the fastest wins.</summary>
    public static int Apply(IEnumerable<TuneRecord> records)
    {
        EnsureLoaded();
        foreach (var r in records)
        {
            var schedule = TuneSchedule.Parse(r.Schedule);
            s_best.AddOrUpdate(r.Task, (schedule, r.MedianSeconds),
                (_, old) => r.MedianSeconds < old.Seconds ? (schedule, r.MedianSeconds) : old);
        }
        return s_best.Count;
    }

    /// <summary>Forgets every record, also those of the startup log (which is then not loaded again), and the use counts.</summary>
    public static void Clear()
    {
        lock (s_loadLock)
        {
            s_loaded = true;
            s_best.Clear();
            s_uses.Clear();
        }
    }

    /// <summary>The fastest record of each task of <paramref name="records"/>, ordered by task key.</summary>
    public static IReadOnlyList<TuneRecord> Best(IEnumerable<TuneRecord> records) =>
        records.GroupBy(r => r.Task, StringComparer.Ordinal)
            .Select(g => g.OrderBy(r => r.MedianSeconds).First())
            .OrderBy(r => r.Task, StringComparer.Ordinal)
            .ToList();

    /// <summary>Times a kernel ran a recorded schedule for <paramref name="taskKey"/> in this process (how a caller
    /// sees that a record took effect).</summary>
    public static long Uses(string taskKey) => s_uses.TryGetValue(taskKey, out var n) ? n : 0;

    /// <summary>The schedule recorded for the task with key <paramref name="taskKey"/>, or null; loads the startup log
    /// if nothing was loaded yet, and does not count as a use.</summary>
    public static TuneSchedule? Recorded(string taskKey)
    {
        EnsureLoaded();
        return s_best.TryGetValue(taskKey, out var best) ? best.Schedule : null;
    }

    /// <summary>Tasks with a record in this process.</summary>
    public static int Count
    {
        get
        {
            EnsureLoaded();
            return s_best.Count;
        }
    }

    /// <summary>The best recorded schedule of <paramref name="task"/>, or the operator's untuned default.</summary>
    public static TuneSchedule For(TuneTask task, int maxThreads)
    {
        EnsureLoaded();
        if (s_best.TryGetValue(task.Key, out var best))
        {
            Used(task.Key);
            return best.Schedule;
        }
        return ScheduleSpace.For(task.Operator, maxThreads).Default;
    }

    /// <summary>The minimum chunk length the md lj/cut kernel launches with for <paramref name="atoms"/> atoms and a
    /// cutoff of <paramref name="cutoffSigma"/>: the record's, else <paramref name="untuned"/>. On a CUDA device the
    /// record's chunk is the launch's group size (<see cref="TunedLennardJones"/>), and without one ILGPU chooses.</summary>
    public static int LennardJonesChunk(int atoms, double cutoffSigma, int untuned)
    {
        EnsureLoaded();
        var key = new TuneTask("md", TuneOperator.LennardJonesPair, [atoms, (int)Math.Round(10 * cutoffSigma)], ["lj_pair"]).Key;
        if (s_best.TryGetValue(key, out var best) && best.Schedule.Chunk > 0)
        {
            Used(key);
            return best.Schedule.Chunk;
        }
        return untuned;
    }

    /// <summary>The recorded row reduction closest to <paramref name="rows"/> rows of exactly <paramref name="cols"/>
    /// terms (nearest row count by ratio, the smaller on a tie), or null when no reduction of that width is recorded.</summary>
    /// <remarks>The row count of a per-sample sum (nqs's local energies: unique samples) changes from call to call
    /// while the terms per row are the problem's, so the width must match and the height only be near.</remarks>
    public static (string Task, TuneSchedule Schedule)? RowReduction(int rows, int cols)
    {
        EnsureLoaded();
        (string Task, TuneSchedule Schedule)? found = null;
        var distance = double.PositiveInfinity;
        var foundRows = 0;
        var prefix = $"{TuneTask.OperatorName(TuneOperator.Reduction)}[";
        var suffix = $"x{cols.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
        foreach (var (key, best) in s_best)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || !key.EndsWith(suffix, StringComparison.Ordinal)
                || !int.TryParse(key.AsSpan(prefix.Length, key.Length - prefix.Length - suffix.Length),
                    System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var recordRows))
            {
                continue;
            }
            var d = Math.Abs(Math.Log((double)Math.Max(rows, 1) / recordRows));
            if (d < distance || (d == distance && recordRows < foundRows))
            {
                (found, distance, foundRows) = ((key, best.Schedule), d, recordRows);
            }
        }
        if (found is { } f)
        {
            Used(f.Task);
        }
        return found;
    }

    private static void Used(string key) => s_uses.AddOrUpdate(key, 1, (_, n) => n + 1);

    private static void EnsureLoaded()
    {
        if (s_loaded)
        {
            return;
        }
        lock (s_loadLock)
        {
            if (s_loaded)
            {
                return;
            }
            // A bad log fails every use with its file:line message rather than leaving the kernels silently untuned.
            if (StartupLog is { } path)
            {
                foreach (var r in TuneRecord.ReadLog(path))
                {
                    var schedule = TuneSchedule.Parse(r.Schedule);
                    s_best.AddOrUpdate(r.Task, (schedule, r.MedianSeconds),
                        (_, old) => r.MedianSeconds < old.Seconds ? (schedule, r.MedianSeconds) : old);
                }
            }
            s_loaded = true;
        }
    }
}
