using Dataflow.Actors.Runtime;

namespace Dataflow.Host.Plot;

/// <summary>The metrics of a job's progress reports as this client saw them, one entry per unit of work
/// (<see cref="JobProgress.Done"/>): a unit reported again after a fail-over replaces the earlier report.</summary>
internal sealed class ProgressHistory
{
    private readonly SortedDictionary<long, IReadOnlyDictionary<string, double>> _byDone = [];
    private readonly List<IReadOnlyDictionary<string, double>> _inOrder = [];

    /// <summary>Records <paramref name="progress"/>.</summary>
    public void Add(JobProgress progress)
    {
        if (progress.Metrics is { Count: > 0 } metrics)
        {
            _byDone[progress.Done] = new Dictionary<string, double>(metrics);
            _inOrder.Add(_byDone[progress.Done]);
        }
    }

    /// <summary>Every report of <paramref name="metric"/> in the order it came, numbered from 1: for a job whose reports
    /// do not advance <see cref="JobProgress.Done"/> (fci's Davidson iterations all belong to its one unit of work).</summary>
    /// <param name="requiring">Only the reports that also carry this metric, when given.</param>
    public (double[] Report, double[] Values) Sequence(string metric, string? requiring = null)
    {
        var values = _inOrder.Where(m => m.ContainsKey(metric) && (requiring is null || m.ContainsKey(requiring)))
            .Select(m => m[metric]).ToArray();
        return (Enumerable.Range(1, values.Length).Select(i => (double)i).ToArray(), values);
    }

    /// <summary>The units of work that reported <paramref name="metric"/>, in order, with its values.</summary>
    public (double[] Done, double[] Values) Series(string metric)
    {
        var points = _byDone.Where(p => p.Value.ContainsKey(metric)).ToArray();
        return (points.Select(p => (double)p.Key).ToArray(), points.Select(p => p.Value[metric]).ToArray());
    }
}
