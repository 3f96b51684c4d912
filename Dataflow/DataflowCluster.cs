using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow;

/// <summary>A connection to a Dataflow cluster: an embedded single-node cluster or a client of running hosts.</summary>
public sealed class DataflowCluster : IAsyncDisposable
{
    private readonly DataflowNode _node;

    private DataflowCluster(DataflowNode node)
    {
        _node = node;
    }

    /// <summary>Address (<c>host:port</c>) of this process in the cluster.</summary>
    public string Address => _node.Address;

    /// <summary>The underlying actor system (for tests and tools).</summary>
    public ActorSystem System => _node.System;

    /// <summary>Starts a single-node cluster inside this process, on a free loopback port.</summary>
    public static async Task<DataflowCluster> StartEmbeddedAsync(DataflowClusterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new DataflowClusterOptions();
        var node = DataflowNode.Start(new NodeOptions
        {
            HoconFiles = options.HoconFiles,
            ComputeThreads = options.ComputeThreads,
        });
        return await JoinAsync(node, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Joins the cluster reachable at <paramref name="seed"/> (<c>host:port</c>) as a client.</summary>
    /// <exception cref="TimeoutException">No cluster answered within <see cref="DataflowClusterOptions.ConnectTimeout"/>.</exception>
    public static async Task<DataflowCluster> ConnectAsync(string seed, DataflowClusterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new DataflowClusterOptions();
        DataflowNode.ParseEndpoint(seed, "--cluster");
        var node = DataflowNode.Start(new NodeOptions
        {
            Seeds = [seed],
            Roles = ["client"],
            HoconFiles = options.HoconFiles,
        });
        return await JoinAsync(node, options, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<DataflowCluster> JoinAsync(DataflowNode node, DataflowClusterOptions options,
        CancellationToken cancellationToken)
    {
        try
        {
            var timeout = options.ConnectTimeout ?? DataflowSettings.Get(node.System).ConnectTimeout;
            await node.WaitUntilUpAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new DataflowCluster(node);
        }
        catch
        {
            await node.System.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Submits <paramref name="job"/>, streams its progress and returns its result.</summary>
    /// <exception cref="DataflowJobException">The job was rejected or failed.</exception>
    public Task<JobResult> RunAsync(IJobDefinition job, IProgress<JobProgress>? progress = null,
        CancellationToken cancellationToken = default) => RunAsync(job, progress, null, cancellationToken);

    /// <summary>Submits <paramref name="job"/>, streams its progress and its output streams (e.g. an md job's
    /// <c>dump</c> frames, in order, on the client's actor thread) and returns its result.</summary>
    /// <exception cref="DataflowJobException">The job was rejected or failed.</exception>
    public async Task<JobResult> RunAsync(IJobDefinition job, IProgress<JobProgress>? progress, Action<JobOutput>? output,
        CancellationToken cancellationToken = default)
    {
        var jobId = $"{job.Workload}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var done = new TaskCompletionSource<JobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = _node.System.ActorOf(
            JobClientActor.Props(job.ToSpec(jobId), _node.Coordinator, done, progress, output), "job-client-" + jobId);
        await using var registration = cancellationToken.Register(() =>
        {
            done.TrySetCanceled(cancellationToken);
            client.Tell(PoisonPill.Instance);
        });
        return await done.Task.ConfigureAwait(false);
    }

    /// <summary>Asks the coordinator for members, jobs and telemetry.</summary>
    public Task<ClusterStatus> StatusAsync(TimeSpan? timeout = null) =>
        _node.Coordinator.Ask<ClusterStatus>(new GetClusterStatus(), timeout ?? TimeSpan.FromSeconds(10));

    /// <summary>Leaves the cluster and stops the local actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        await _node.ShutdownAsync().ConfigureAwait(false);
        await _node.System.WhenTerminated.ConfigureAwait(false);
    }
}
