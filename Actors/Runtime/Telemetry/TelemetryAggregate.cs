namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>Combines the <see cref="NodeTelemetry"/> snapshots of several nodes into cluster-wide totals.</summary>
public static class TelemetryAggregate
{
    /// <summary>Sums the nodes' stage samples per (job, stage) and per node.</summary>
    /// <remarks>
    /// Counters and rates are summed; mailbox depths are summed too (messages waiting anywhere in the stage). When a
    /// node appears more than once, only its snapshot with the latest timestamp counts (the first of equal ones), so
    /// an aggregator may pass every report it holds. Output is ordered ordinally by job, stage, and by node.
    /// </remarks>
    public static ClusterTelemetry Merge(IEnumerable<NodeTelemetry> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);

        var latest = new Dictionary<string, NodeTelemetry>(StringComparer.Ordinal);
        foreach (var report in nodes)
        {
            if (!latest.TryGetValue(report.Node.Node, out var held) || report.Node.TimestampUnixMs > held.Node.TimestampUnixMs)
            {
                latest[report.Node.Node] = report;
            }
        }

        var stages = new Dictionary<(string Job, string Stage), Totals>();
        var nodeSamples = new List<ClusterNodeSample>(latest.Count);
        foreach (var report in latest.Values)
        {
            var nodeTotals = new Totals();
            foreach (var sample in report.Stages)
            {
                nodeTotals.Add(sample);
                var key = (sample.Job, sample.Stage);
                if (!stages.TryGetValue(key, out var stageTotals))
                {
                    stageTotals = new Totals();
                    stages.Add(key, stageTotals);
                }
                stageTotals.Add(sample);
            }
            var node = report.Node;
            nodeSamples.Add(new ClusterNodeSample(
                node.Node, node.ManagedBytes, node.NativeBytes, node.TimestampUnixMs, nodeTotals.Count,
                nodeTotals.Messages, nodeTotals.BusySeconds, nodeTotals.Items, nodeTotals.BytesIn, nodeTotals.BytesOut,
                nodeTotals.MailboxDepth, nodeTotals.ItemsPerSecond));
        }

        var stageSamples = stages
            .OrderBy(s => s.Key.Job, StringComparer.Ordinal)
            .ThenBy(s => s.Key.Stage, StringComparer.Ordinal)
            .Select(s => new ClusterStageSample(
                s.Key.Job, s.Key.Stage, s.Value.Count, s.Value.Messages, s.Value.BusySeconds, s.Value.Items,
                s.Value.BytesIn, s.Value.BytesOut, s.Value.MailboxDepth, s.Value.ItemsPerSecond))
            .ToArray();
        nodeSamples.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        return new ClusterTelemetry(stageSamples, [.. nodeSamples]);
    }

    private sealed class Totals
    {
        public int Count;
        public long Messages;
        public double BusySeconds;
        public long Items;
        public long BytesIn;
        public long BytesOut;
        public long MailboxDepth;
        public double ItemsPerSecond;

        public void Add(StageSample sample)
        {
            Count++;
            Messages += sample.Messages;
            BusySeconds += sample.BusySeconds;
            Items += sample.Items;
            BytesIn += sample.BytesIn;
            BytesOut += sample.BytesOut;
            MailboxDepth += sample.MailboxDepth;
            ItemsPerSecond += sample.ItemsPerSecond;
        }
    }
}
