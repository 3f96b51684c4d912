using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow;

/// <summary>A connection to a Dataflow cluster: an embedded single-node cluster or a client of running hosts.</summary>
public sealed class DataflowCluster : IAsyncDisposable
{
    private readonly DataflowNode _node;
    private readonly DataflowClusterOptions _options;

    private DataflowCluster(DataflowNode node, DataflowClusterOptions options)
    {
        _node = node;
        _options = options;
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
            return new DataflowCluster(node, options);
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
    /// <remarks>Cancelling <paramref name="cancellationToken"/> cancels the job on the cluster.</remarks>
    /// <exception cref="DataflowJobException">The job was rejected or failed.</exception>
    public async Task<JobResult> RunAsync(IJobDefinition job, IProgress<JobProgress>? progress, Action<JobOutput>? output,
        CancellationToken cancellationToken = default)
    {
        var spec = job.ToSpec(NewJobId(job));
        var done = new TaskCompletionSource<JobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = _node.System.ActorOf(
            JobClientActor.Submit(spec, _node.Coordinator, done, progress, output, _options.Notice), "job-client-" + spec.JobId);
        await using var registration = cancellationToken.Register(() =>
        {
            done.TrySetCanceled(cancellationToken);
            client.Tell(PoisonPill.Instance);
        });
        return await done.Task.ConfigureAwait(false);
    }

    /// <summary>Submits <paramref name="job"/> and returns its id once the cluster accepted it, without following it:
    /// the job runs on whether or not this client stays (<c>dataflow run --detach</c>).</summary>
    /// <exception cref="DataflowJobException">The job was rejected.</exception>
    public async Task<string> SubmitAsync(IJobDefinition job, CancellationToken cancellationToken = default)
    {
        var spec = job.ToSpec(NewJobId(job));
        var reply = await _node.Coordinator.Ask<IDataflowMessage>(new SubmitDetached(spec),
            _options.ConnectTimeout ?? DataflowSettings.Get(_node.System).ConnectTimeout,
            cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            JobAccepted a => a.JobId,
            JobFailed f => throw new DataflowJobException(f.JobId, f.Error),
            _ => throw new DataflowJobException(spec.JobId, $"unexpected reply {reply.GetType().Name}"),
        };
    }

    /// <summary>Follows job <paramref name="jobId"/> (running or recently ended) until it ends and returns its result;
    /// with <paramref name="replay"/>, the progress lines it printed so far come first (<c>dataflow jobs logs</c>).</summary>
    /// <remarks>Cancelling <paramref name="cancellationToken"/> stops following; the job runs on.</remarks>
    /// <exception cref="DataflowJobException">The job failed or is unknown.</exception>
    public async Task<JobResult> AttachAsync(string jobId, IProgress<JobProgress>? progress = null, bool replay = true,
        Action<JobOutput>? output = null, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<JobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = _node.System.ActorOf(
            JobClientActor.Attach(jobId, replay, _node.Coordinator, done, progress, output, _options.Notice),
            "job-follower-" + Guid.NewGuid().ToString("N")[..8]);
        await using var registration = cancellationToken.Register(() =>
        {
            done.TrySetCanceled(cancellationToken);
            client.Tell(PoisonPill.Instance);
        });
        return await done.Task.ConfigureAwait(false);
    }

    /// <summary>The jobs the cluster knows, running and recently ended, newest first.</summary>
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(TimeSpan? timeout = null)
    {
        var list = await _node.Coordinator.Ask<JobList>(new ListJobs(), timeout ?? TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return list.Jobs;
    }

    /// <summary>The record of job <paramref name="jobId"/>: its state and, once it ended, its result or error.</summary>
    /// <exception cref="DataflowJobException">The cluster does not know the job.</exception>
    public async Task<JobRecord> GetJobAsync(string jobId, TimeSpan? timeout = null)
    {
        var reply = await _node.Coordinator.Ask<IDataflowMessage>(new GetJob(jobId), timeout ?? TimeSpan.FromSeconds(10))
            .ConfigureAwait(false);
        return reply as JobRecord
            ?? throw new DataflowJobException(jobId, $"no job {jobId} on this cluster (see 'dataflow jobs' for the jobs it knows)");
    }

    /// <summary>Stops job <paramref name="jobId"/> and returns its record once it ended (failed, "cancelled: ...").</summary>
    /// <exception cref="DataflowJobException">The cluster does not know the job.</exception>
    public async Task<JobRecord> StopAsync(string jobId, string reason = "stopped by the user", TimeSpan? timeout = null)
    {
        var record = await GetJobAsync(jobId).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!record.HasEnded)
        {
            _node.Coordinator.Tell(new CancelJob(jobId, reason));
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {jobId} did not stop within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s");
            }
            await Task.Delay(200).ConfigureAwait(false);
            record = await GetJobAsync(jobId).ConfigureAwait(false);
        }
        return record;
    }

    private static string NewJobId(IJobDefinition job) =>
        $"{job.Workload}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

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
