using System.Globalization;
using System.Text;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>Renders telemetry snapshots in the Prometheus text exposition format, version 0.0.4.</summary>
/// <remarks>
/// Format reference: prometheus.io/docs/instrumenting/exposition_formats ("Text-based format"). Every family has its
/// <c># HELP</c> and <c># TYPE</c> lines before its samples; lines end in <c>\n</c>; numbers use the invariant culture,
/// with <c>NaN</c>, <c>+Inf</c> and <c>-Inf</c> for non-finite values. Counter names end in <c>_total</c>.
/// </remarks>
public static class PrometheusFormatter
{
    /// <summary>The Content-Type of the text format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private const string Counter = "counter";
    private const string Gauge = "gauge";

    private static readonly MetricFamily<StageSample>[] _stageFamilies =
    [
        new("dataflow_stage_messages_total", Counter, "Messages handled by a stage actor.", s => Number(s.Messages)),
        new("dataflow_stage_busy_seconds_total", Counter, "Seconds a stage actor spent handling messages.", s => Number(s.BusySeconds)),
        new("dataflow_stage_items_total", Counter, "Work items completed by a stage actor.", s => Number(s.Items)),
        new("dataflow_stage_items_per_second", Gauge, "Work items per second of a stage actor over the collector's sliding window.", s => Number(s.ItemsPerSecond)),
        new("dataflow_stage_bytes_in_total", Counter, "Payload bytes received by a stage actor.", s => Number(s.BytesIn)),
        new("dataflow_stage_bytes_out_total", Counter, "Payload bytes sent by a stage actor.", s => Number(s.BytesOut)),
        new("dataflow_stage_mailbox_depth", Gauge, "Messages queued in a stage actor's mailbox.", s => Number(s.MailboxDepth)),
    ];

    private static readonly MetricFamily<NodeSample>[] _nodeFamilies =
    [
        new("dataflow_node_managed_memory_bytes", Gauge, "Managed heap bytes of the node's process.", n => Number(n.ManagedBytes)),
        new("dataflow_node_native_memory_bytes", Gauge, "Resident bytes of the node's process outside the managed heap.", n => Number(n.NativeBytes)),
    ];

    private static readonly MetricFamily<ClusterStageSample>[] _clusterStageFamilies =
    [
        new("dataflow_cluster_stage_workers", Gauge, "Workers reporting a stage, cluster-wide.", s => Number(s.Workers)),
        new("dataflow_cluster_stage_messages_total", Counter, "Messages handled by a stage, cluster-wide.", s => Number(s.Messages)),
        new("dataflow_cluster_stage_busy_seconds_total", Counter, "Busy seconds of a stage, cluster-wide.", s => Number(s.BusySeconds)),
        new("dataflow_cluster_stage_items_total", Counter, "Work items completed by a stage, cluster-wide.", s => Number(s.Items)),
        new("dataflow_cluster_stage_items_per_second", Gauge, "Work items per second of a stage, cluster-wide.", s => Number(s.ItemsPerSecond)),
        new("dataflow_cluster_stage_bytes_in_total", Counter, "Payload bytes received by a stage, cluster-wide.", s => Number(s.BytesIn)),
        new("dataflow_cluster_stage_bytes_out_total", Counter, "Payload bytes sent by a stage, cluster-wide.", s => Number(s.BytesOut)),
        new("dataflow_cluster_stage_mailbox_depth", Gauge, "Messages queued in a stage's mailboxes, cluster-wide.", s => Number(s.MailboxDepth)),
    ];

    private static readonly MetricFamily<ClusterNodeSample>[] _clusterNodeFamilies =
    [
        new("dataflow_cluster_node_stages", Gauge, "Stage actors reported by a node.", n => Number(n.Stages)),
        new("dataflow_cluster_node_messages_total", Counter, "Messages handled by all stages of a node.", n => Number(n.Messages)),
        new("dataflow_cluster_node_busy_seconds_total", Counter, "Busy seconds of all stages of a node.", n => Number(n.BusySeconds)),
        new("dataflow_cluster_node_items_total", Counter, "Work items completed by all stages of a node.", n => Number(n.Items)),
        new("dataflow_cluster_node_items_per_second", Gauge, "Work items per second of all stages of a node.", n => Number(n.ItemsPerSecond)),
        new("dataflow_cluster_node_bytes_in_total", Counter, "Payload bytes received by all stages of a node.", n => Number(n.BytesIn)),
        new("dataflow_cluster_node_bytes_out_total", Counter, "Payload bytes sent by all stages of a node.", n => Number(n.BytesOut)),
        new("dataflow_cluster_node_mailbox_depth", Gauge, "Messages queued in all stage mailboxes of a node.", n => Number(n.MailboxDepth)),
        new("dataflow_cluster_node_managed_memory_bytes", Gauge, "Managed heap bytes of a node's process.", n => Number(n.ManagedBytes)),
        new("dataflow_cluster_node_native_memory_bytes", Gauge, "Native resident bytes of a node's process.", n => Number(n.NativeBytes)),
    ];


    /// <summary>Renders this node's stages and memory, then the cluster-wide totals if <paramref name="cluster"/> is given.</summary>
    public static string Format(NodeTelemetry local, ClusterTelemetry? cluster = null)
    {
        var builder = new StringBuilder(4096);
        using (var writer = new StringWriter(builder, CultureInfo.InvariantCulture))
        {
            Write(writer, local, cluster);
        }
        return builder.ToString();
    }

    /// <summary>Writes this node's stages and memory, then the cluster-wide totals if <paramref name="cluster"/> is given.</summary>
    public static void Write(TextWriter writer, NodeTelemetry local, ClusterTelemetry? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(local);
        foreach (var family in _stageFamilies)
        {
            Family(writer, family);
            foreach (var s in local.Stages)
            {
                Sample(writer, family.Name, family.Value(s), ("job", s.Job), ("stage", s.Stage), ("worker", s.Worker), ("node", s.Node));
            }
        }
        foreach (var family in _nodeFamilies)
        {
            Family(writer, family);
            Sample(writer, family.Name, family.Value(local.Node), ("node", local.Node.Node));
        }

        if (cluster is not null)
        {
            WriteCluster(writer, cluster);
        }
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed become <c>\\</c>, <c>\"</c> and <c>\n</c>.</summary>
    public static string EscapeLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                default: builder.Append(c); break;
            }
        }
        return builder.ToString();
    }

    private static void WriteCluster(TextWriter writer, ClusterTelemetry cluster)
    {
        foreach (var family in _clusterStageFamilies)
        {
            Family(writer, family);
            foreach (var s in cluster.Stages)
            {
                Sample(writer, family.Name, family.Value(s), ("job", s.Job), ("stage", s.Stage));
            }
        }
        foreach (var family in _clusterNodeFamilies)
        {
            Family(writer, family);
            foreach (var n in cluster.Nodes)
            {
                Sample(writer, family.Name, family.Value(n), ("node", n.Node));
            }
        }
    }

    private static void Family<T>(TextWriter writer, MetricFamily<T> family)
    {
        // HELP text would need backslash and line feed escaped; ours are constants without either.
        writer.Write("# HELP ");
        writer.Write(family.Name);
        writer.Write(' ');
        writer.Write(family.Help);
        writer.Write('\n');
        writer.Write("# TYPE ");
        writer.Write(family.Name);
        writer.Write(' ');
        writer.Write(family.Type);
        writer.Write('\n');
    }

    private static void Sample(TextWriter writer, string name, string value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        writer.Write(name);
        writer.Write('{');
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }
            writer.Write(labels[i].Name);
            writer.Write("=\"");
            writer.Write(EscapeLabelValue(labels[i].Value));
            writer.Write('"');
        }
        writer.Write("} ");
        writer.Write(value);
        writer.Write('\n');
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        // "R" round-trips: a scraper reads back the exact double.
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private sealed record MetricFamily<T>(string Name, string Type, string Help, Func<T, string> Value);
}
