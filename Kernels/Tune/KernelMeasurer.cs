using System.Diagnostics;

namespace Dataflow.Kernels.Tune;

/// <summary>Times candidates on this machine: warm-up, repeats, outlier rejection, median.</summary>
/// <remarks>
/// Each candidate runs once untimed (warm-up: JIT, caches, the backend's threads), then <c>repeats</c> times; a repeat
/// loops the kernel enough times to last about <see cref="MinRepeatSeconds"/> so that short kernels are not timer
/// noise. Repeats further than 3 median absolute deviations above the median (a preempted run on a shared machine)
/// are dropped; the record holds the median of the rest, seconds per run. A task's inputs are allocated once and
/// kept.
/// </remarks>
public sealed class KernelMeasurer(string node, int repeats = 5) : IDisposable
{
    /// <summary>Shortest timed repeat, seconds.</summary>
    public const double MinRepeatSeconds = 2e-3;

    private readonly Dictionary<string, TuneTaskInstance> _instances = [];
    private readonly string _machine = TuneRecord.DescribeMachine();

    /// <summary>Timed repeats per candidate.</summary>
    public int Repeats { get; } = repeats >= 1 ? repeats : throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "at least 1 repeat");

    /// <summary>Measures every candidate of <paramref name="task"/>, in order.</summary>
    public List<TuneRecord> Measure(TuneTask task, IReadOnlyList<TuneSchedule> candidates, CancellationToken cancel = default)
    {
        if (!_instances.TryGetValue(task.Key, out var instance))
        {
            instance = new TuneTaskInstance(task);
            _instances[task.Key] = instance;
        }
        var records = new List<TuneRecord>(candidates.Count);
        foreach (var s in candidates)
        {
            cancel.ThrowIfCancellationRequested();
            var (median, kept) = Time(() => instance.Run(s), Repeats);
            records.Add(new TuneRecord(task.Key, s.Key, median, kept, node, _machine));
        }
        return records;
    }

    /// <summary>Median seconds per call of <paramref name="run"/> after warm-up and outlier rejection, and the repeats kept.</summary>
    public static (double MedianSeconds, int Kept) Time(Action run, int repeats)
    {
        var clock = Stopwatch.StartNew();
        run();
        var once = Math.Max(clock.Elapsed.TotalSeconds, 1e-7);
        var loops = (int)Math.Clamp(Math.Ceiling(MinRepeatSeconds / once), 1, 10_000);
        var times = new double[repeats];
        for (var r = 0; r < repeats; r++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var l = 0; l < loops; l++)
            {
                run();
            }
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / loops;
        }
        var median = Median(times);
        var mad = Median(times.Select(t => Math.Abs(t - median)).ToArray());
        var kept = times.Where(t => t <= median + 3 * mad || mad == 0).ToArray();
        return (Median(kept), kept.Length);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var i in _instances.Values)
        {
            i.Dispose();
        }
        _instances.Clear();
    }
}
