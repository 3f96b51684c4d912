using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Host;

/// <summary>The host's Prometheus endpoint: this node's stages and memory, plus cluster-wide totals.</summary>
internal static class MetricsServer
{
    public static Task<PrometheusEndpoint> StartAsync(DataflowNode node, int port)
    {
        // Cluster totals come from the coordinator; a scrape during a coordinator hand-over serves local figures only.
        ClusterTelemetry? Cluster()
        {
            try
            {
                return node.Coordinator.Ask<ClusterStatus>(new GetClusterStatus(), TimeSpan.FromSeconds(2))
                    .GetAwaiter().GetResult().Cluster;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        }
        return Task.FromResult(PrometheusEndpoint.Start(node.Telemetry, port, cluster: Cluster));
    }
}
