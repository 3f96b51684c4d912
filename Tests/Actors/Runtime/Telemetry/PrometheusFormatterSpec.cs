using Dataflow.Actors.Runtime.Telemetry;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

public sealed class PrometheusFormatterSpec
{
    private static readonly NodeTelemetry _local = new(
        new NodeSample("10.0.0.1:4053", ManagedBytes: 52_428_800, NativeBytes: 734_003_200, TimestampUnixMs: 1),
        [
            new("train", "worker", "0", "10.0.0.1:4053", 41, 2.5, 4096, 1_000_000, 2_000_000, 3, 409.6),
            new("train", "worker", "1", "10.0.0.1:4053", 40, 0.1 + 0.2, 4000, 0, 0, 0, 1e-7),
        ]);

    private static readonly NodeTelemetry _remote = new(
        new NodeSample("10.0.0.2:4053", 1, 2, 1),
        [new("train", "worker", "2", "10.0.0.2:4053", 2, 0.25, 10, 0, 0, 1, 5)]);

    [Fact]
    public void Output_parses_and_every_sample_follows_its_type()
    {
        var text = PrometheusFormatter.Format(_local, TelemetryAggregate.Merge([_local, _remote]));
        var parsed = PrometheusText.Parse(text);

        Assert.Equal("counter", parsed.Types["dataflow_stage_messages_total"]);
        Assert.Equal("gauge", parsed.Types["dataflow_stage_mailbox_depth"]);
        Assert.Equal("gauge", parsed.Types["dataflow_stage_items_per_second"]);
        var w0 = new[] { ("job", "train"), ("stage", "worker"), ("worker", "0"), ("node", "10.0.0.1:4053") };
        Assert.Equal(41, parsed.Value("dataflow_stage_messages_total", w0));
        Assert.Equal(2.5, parsed.Value("dataflow_stage_busy_seconds_total", w0));
        Assert.Equal(4096, parsed.Value("dataflow_stage_items_total", w0));
        Assert.Equal(409.6, parsed.Value("dataflow_stage_items_per_second", w0));
        Assert.Equal(1_000_000, parsed.Value("dataflow_stage_bytes_in_total", w0));
        Assert.Equal(2_000_000, parsed.Value("dataflow_stage_bytes_out_total", w0));
        Assert.Equal(3, parsed.Value("dataflow_stage_mailbox_depth", w0));
        Assert.Equal(2, parsed.Find("dataflow_stage_items_total").Count());
        Assert.Equal(52_428_800, parsed.Value("dataflow_node_managed_memory_bytes", ("node", "10.0.0.1:4053")));
        Assert.Equal(734_003_200, parsed.Value("dataflow_node_native_memory_bytes", ("node", "10.0.0.1:4053")));

        var worker = new[] { ("job", "train"), ("stage", "worker") };
        Assert.Equal(4096 + 4000 + 10, parsed.Value("dataflow_cluster_stage_items_total", worker));
        Assert.Equal(3, parsed.Value("dataflow_cluster_stage_workers", worker));
        Assert.Equal(83, parsed.Value("dataflow_cluster_stage_messages_total", worker));
        Assert.Equal(2, parsed.Value("dataflow_cluster_node_native_memory_bytes", ("node", "10.0.0.2:4053")));
        Assert.Equal(2, parsed.Find("dataflow_cluster_node_items_total").Count());
        Assert.Equal(["job", "stage"], parsed.Find("dataflow_cluster_stage_items_total").Single().Labels.Keys.Order());
    }

    [Fact]
    public void Without_cluster_totals_only_local_families_appear()
    {
        var parsed = PrometheusText.Parse(PrometheusFormatter.Format(_local));

        Assert.DoesNotContain(parsed.Types.Keys, k => k.StartsWith("dataflow_cluster_", StringComparison.Ordinal));
        Assert.Equal(9, parsed.Types.Count);
    }

    [Fact]
    public void Numbers_are_invariant_and_round_trip_exactly()
    {
        var text = PrometheusFormatter.Format(_local);
        var parsed = PrometheusText.Parse(text);
        var w1 = ("worker", "1");

        Assert.Equal(0.1 + 0.2, parsed.Value("dataflow_stage_busy_seconds_total", w1)); // 0.30000000000000004
        Assert.Equal(1e-7, parsed.Value("dataflow_stage_items_per_second", w1));
        Assert.Contains("} 0.30000000000000004\n", text);
        Assert.DoesNotContain("0,3", text);

        var odd = _local with { Stages = [_local.Stages[0] with { ItemsPerSecond = double.NaN, BusySeconds = double.PositiveInfinity }] };
        var oddText = PrometheusFormatter.Format(odd);
        Assert.Contains("dataflow_stage_items_per_second{job=\"train\",stage=\"worker\",worker=\"0\",node=\"10.0.0.1:4053\"} NaN\n", oddText);
        Assert.Contains("} +Inf\n", oddText);
        Assert.True(double.IsNaN(PrometheusText.Parse(oddText).Value("dataflow_stage_items_per_second")));
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        const string job = "fit \"H2O\" C:\\runs\nsecond line";
        var local = _local with { Stages = [_local.Stages[0] with { Job = job }] };

        var text = PrometheusFormatter.Format(local);

        Assert.Contains("job=\"fit \\\"H2O\\\" C:\\\\runs\\nsecond line\"", text);
        Assert.Equal(job, PrometheusText.Parse(text).Find("dataflow_stage_items_total").Single().Labels["job"]);
        Assert.Equal("plain", PrometheusFormatter.EscapeLabelValue("plain"));
        Assert.Equal(@"a\\b\""c\n", PrometheusFormatter.EscapeLabelValue("a\\b\"c\n"));
    }
}
