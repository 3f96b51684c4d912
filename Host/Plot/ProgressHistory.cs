using Dataflow.Actors.Runtime;

namespace Dataflow.Host.Plot;

/// <summary>The metrics of a job's progress reports as this client saw them, one entry per unit of work
/// (<see cref="JobProgress.Done"/>): a unit reported again after a fail-over replaces the earlier report.</summary>
internal sealed class ProgressHistory
{
    private readonly SortedDictionary<long, IReadOnlyDictionary<string, double>> _byDone = [];

    /// <summary>Records <paramref name="progress"/>.</summary>
    public void Add(JobProgress progress)
    {
        if (progress.Metrics is { Count: > 0 } metrics)
        {
            _byDone[progress.Done] = new Dictionary<string, double>(metrics);
        }
    }

    /// <summary>The units of work that reported <paramref name="metric"/>, in order, with its values.</summary>
    public (double[] Done, double[] Values) Series(string metric)
    {
        var points = _byDone.Where(p => p.Value.ContainsKey(metric)).ToArray();
        return (points.Select(p => (double)p.Key).ToArray(), points.Select(p => p.Value[metric]).ToArray());
    }
}
