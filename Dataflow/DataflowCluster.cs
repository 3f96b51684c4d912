using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow;

/// <summary>A connection to a Dataflow cluster: an embedded single-node cluster or a client of running hosts.</summary>
/// <remarks>A client is a cluster member (role <c>client</c>), so the cluster can down it (a long pause, a partition,
/// the split-brain resolver siding with hosts it cannot reach). Then it starts a new actor system, joins again through
/// the compute hosts it knew and the seed, and re-attaches every job it follows: a caller's task does not hang on a
/// client the cluster removed.</remarks>
public sealed class DataflowCluster : IAsyncDisposable
{
    private readonly DataflowClusterOptions _options;
    private readonly string? _seed;
    private readonly ConcurrentDictionary<Follower, byte> _followers = new();
    private readonly MemberMemory _memory;
    private readonly CancellationTokenSource _disposed = new();
    private volatile DataflowNode _node;

    private DataflowCluster(DataflowNode node, DataflowClusterOptions options, string? seed)
    {
        _node = node;
        _options = options;
        _seed = seed;
        _memory = new MemberMemory(seed is null ? [] : [seed], founder: false);
        if (seed is not null)
        {
            Watch(node);
        }
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
        var node = DataflowNode.Start(Secured(new NodeOptions
        {
            HoconFiles = options.HoconFiles,
            ComputeThreads = options.ComputeThreads,
        }, options));
        return await JoinAsync(node, options, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Joins the cluster reachable at <paramref name="seed"/> (<c>host:port</c>) as a client.</summary>
    /// <exception cref="TimeoutException">No cluster answered within <see cref="DataflowClusterOptions.ConnectTimeout"/>.</exception>
    public static async Task<DataflowCluster> ConnectAsync(string seed, DataflowClusterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new DataflowClusterOptions();
        DataflowNode.ParseEndpoint(seed, "--cluster");
        var node = StartClient([seed], options);
        return await JoinAsync(node, options, seed, cancellationToken).ConfigureAwait(false);
    }

    private static DataflowNode StartClient(IReadOnlyList<string> seeds, DataflowClusterOptions options) =>
        DataflowNode.Start(Secured(new NodeOptions { Seeds = seeds, Roles = ["client"], HoconFiles = options.HoconFiles }, options));

    private static NodeOptions Secured(NodeOptions node, DataflowClusterOptions options) => node with
    {
        Hostname = options.Hostname ?? node.Hostname,
        PublicHostname = options.PublicHostname,
        SecretFile = options.SecretFile,
        TlsCertificateFile = options.TlsCertificateFile,
        TlsCertificatePasswordFile = options.TlsCertificatePasswordFile,
    };

    private static async Task<DataflowCluster> JoinAsync(DataflowNode node, DataflowClusterOptions options, string? seed,
        CancellationToken cancellationToken)
    {
        try
        {
            var timeout = options.ConnectTimeout ?? DataflowSettings.Get(node.System).ConnectTimeout;
            await node.WaitUntilUpAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new DataflowCluster(node, options, seed);
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
    /// <remarks>A job that writes its own files (<see cref="IJobOutputWriter"/>: train and nqs checkpoints) writes them
    /// before <paramref name="output"/> sees them.</remarks>
    public async Task<JobResult> RunAsync(IJobDefinition job, IProgress<JobProgress>? progress, Action<JobOutput>? output,
        CancellationToken cancellationToken = default)
    {
        var spec = job.ToSpec(NewJobId(job));
        EnsureFits(spec);
        if (job is IJobOutputWriter writer)
        {
            var caller = output;
            output = o =>
            {
                writer.Write(o);
                caller?.Invoke(o);
            };
        }
        // After a reconnect the spec is submitted again under its id: the coordinator attaches the new client to the
        // running job, or hands it the kept result.
        return await FollowAsync((node, done) => JobClientActor.Submit(spec, node.Coordinator, done, progress, output, _options.Notice),
            cancellationToken, cancelsJob: spec.JobId).ConfigureAwait(false);
    }

    /// <summary>Submits <paramref name="job"/> and returns its id once the cluster accepted it, without following it:
    /// the job runs on whether or not this client stays (<c>dataflow run --detach</c>).</summary>
    /// <exception cref="DataflowJobException">The job was rejected.</exception>
    public async Task<string> SubmitAsync(IJobDefinition job, CancellationToken cancellationToken = default)
    {
        var spec = job.ToSpec(NewJobId(job));
        EnsureFits(spec);
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
        var first = true;
        return await FollowAsync((node, done) =>
        {
            // A re-attachment after a reconnect does not replay what was already shown.
            var props = JobClientActor.Attach(jobId, replay && first, node.Coordinator, done, progress, output, _options.Notice);
            first = false;
            return props;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a client actor from <paramref name="props"/> and again on every reconnect, until its task ends.</summary>
    /// <param name="cancelsJob">The job that cancelling <paramref name="cancellationToken"/> cancels on the cluster
    /// (a submitter's), or null (a follower's: the job runs on).</param>
    private async Task<JobResult> FollowAsync(Func<DataflowNode, TaskCompletionSource<JobResult>, Props> props,
        CancellationToken cancellationToken, string? cancelsJob = null)
    {
        var follower = new Follower(props, new TaskCompletionSource<JobResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _followers[follower] = 0;
        try
        {
            Spawn(follower, _node);
            await using var registration = cancellationToken.Register(() =>
            {
                // Told here, before the caller goes on to dispose the client: the job does not outlive a cancel.
                if (cancelsJob is not null && !follower.Done.Task.IsCompleted)
                {
                    _node.Coordinator.Tell(new CancelJob(cancelsJob, "the submitting client cancelled it"));
                    // An embedded cluster's kernels stop now, on this thread, rather than when the stop reaches them
                    // through actors that kernels may keep waiting for a thread.
                    StageCancellation.Get(_node.System).Cancel(cancelsJob);
                }
                follower.Done.TrySetCanceled(cancellationToken);
                follower.Actor?.Tell(PoisonPill.Instance);
            });
            return await follower.Done.Task.ConfigureAwait(false);
        }
        finally
        {
            _followers.TryRemove(follower, out _);
        }
    }

    private void Spawn(Follower follower, DataflowNode node)
    {
        lock (follower)
        {
            if (follower.Done.Task.IsCompleted)
            {
                return;
            }
            follower.Actor = node.System.ActorOf(follower.Props(node, follower.Done), "job-client-" + Guid.NewGuid().ToString("N")[..12]);
        }
    }

    /// <summary>Remembers the compute hosts this client saw and reconnects when the cluster removes it.</summary>
    private void Watch(DataflowNode node)
    {
        _memory.Watch(node);
        node.System.WhenTerminated.ContinueWith(_ => ReconnectAsync(node), TaskScheduler.Default);
    }

    private async Task ReconnectAsync(DataflowNode lost)
    {
        // Only a downing is recovered from; a shutdown for any other reason (the process exiting) is the end.
        if (_disposed.IsCancellationRequested || !ReferenceEquals(lost, _node) ||
            CoordinatedShutdown.Get(lost.System).ShutdownReason is not CoordinatedShutdown.ClusterDowningReason)
        {
            return;
        }
        while (!_disposed.IsCancellationRequested)
        {
            string[] seeds = [.. _memory.Hosts(lost.Address).Append(_seed!).Distinct(StringComparer.Ordinal)];
            _options.Notice?.Invoke($"this client was removed from the cluster (a pause or a partition); rejoining via {string.Join(", ", seeds)}");
            DataflowNode node;
            try
            {
                node = StartClient(seeds, _options);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _options.Notice?.Invoke($"cannot start a new client yet: {e.GetBaseException().Message}");
                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                continue;
            }
            try
            {
                await node.WaitUntilUpAsync(TimeSpan.FromSeconds(30), _disposed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                await node.System.Terminate().ConfigureAwait(false);
                continue;
            }
            _node = node;
            Watch(node);
            foreach (var follower in _followers.Keys)
            {
                Spawn(follower, node);
            }
            return;
        }
    }

    private sealed class Follower(Func<DataflowNode, TaskCompletionSource<JobResult>, Props> props,
        TaskCompletionSource<JobResult> done)
    {
        public Func<DataflowNode, TaskCompletionSource<JobResult>, Props> Props { get; } = props;

        public TaskCompletionSource<JobResult> Done { get; } = done;

        public IActorRef? Actor { get; set; }
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

    /// <summary>Writes the files job <paramref name="jobId"/> left under the work directory of the host that ran its
    /// driver (<c>&lt;work-dir&gt;/&lt;job-id&gt;/</c>: the checkpoints of a job that keeps checkpoint files) into
    /// <paramref name="directory"/> on this machine (created with the first file); returns the paths written, by name.</summary>
    /// <remarks>Asks the agent of the driver's node (<see cref="JobRecord.DriverNode"/>); when that node left the
    /// cluster, does not answer or holds none, every other compute node, keeping the newest copy of each name (a driver
    /// moves after a coordinator fail-over). Files come in rounds of at most one remoting frame
    /// (<see cref="FrameSizeKey"/>) less 64 KiB; a file larger than that is left out and reported through
    /// <see cref="DataflowClusterOptions.Notice"/>. <paramref name="timeout"/> bounds each round (default 60 s).</remarks>
    /// <exception cref="ArgumentException">The job id is not a folder name.</exception>
    /// <exception cref="DataflowJobException">The cluster does not know the job, or no node holds files of it.</exception>
    public async Task<IReadOnlyList<string>> FetchJobFilesAsync(string jobId, string directory, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (JobFiles.Refusal(jobId) is { } refusal)
        {
            throw new ArgumentException(refusal, nameof(jobId));
        }
        var folder = Path.GetFullPath(directory);
        var record = await GetJobAsync(jobId).ConfigureAwait(false);
        var state = Akka.Cluster.Cluster.Get(_node.System).State;
        var computes = state.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole("compute") && !state.Unreachable.Contains(m))
            .Select(m => m.Address)
            .ToArray();
        var driver = computes.Where(a => JobCoordinator.Key(a) == record.DriverNode).ToArray();
        var written = new Dictionary<string, long>(StringComparer.Ordinal);
        var errors = new List<string>();
        var tooLarge = 0;
        foreach (var round in new[] { driver, computes.Except(driver).ToArray() })
        {
            foreach (var node in round)
            {
                var (left, error) = await FetchFromAsync(node, jobId, folder, written, timeout ?? TimeSpan.FromSeconds(60),
                    cancellationToken).ConfigureAwait(false);
                tooLarge += left;
                if (error is not null)
                {
                    errors.Add(error);
                }
            }
            if (written.Count > 0)
            {
                break;
            }
        }
        if (written.Count == 0)
        {
            var asked = computes.Length == 0 ? "no compute node is up" : $"asked {string.Join(", ", computes.Select(JobCoordinator.Key))}";
            throw new DataflowJobException(jobId, $"no host keeps files of job {jobId} ({asked}{string.Concat(errors.Select(e => "; " + e))}): " +
                $"only a job that keeps checkpoint files (run train --checkpoint-dir, run nqs --resume) leaves them in its driver host's work directory (driver {record.DriverNode})");
        }
        if (tooLarge > 0)
        {
            _options.Notice?.Invoke($"job {jobId}: {tooLarge} file(s) larger than one cluster message ({FrameSizeKey}) were left on the host");
        }
        return [.. written.Keys.Order(StringComparer.Ordinal).Select(name => Path.Combine(folder, name))];
    }

    /// <summary>Fetches the files one node's agent holds of a job, round after round until none is left out or a round
    /// brings none, writing each one unless a newer copy of its name was already written; returns how many it left
    /// out and why it could not list them.</summary>
    private async Task<(int LeftOut, string? Error)> FetchFromAsync(Address node, string jobId, string folder,
        Dictionary<string, long> written, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var agent = _node.System.ActorSelection(new RootActorPath(node) / "user" / JobCoordinator.AgentName);
        var received = new List<string>();
        while (true)
        {
            JobFilesReply reply;
            try
            {
                reply = await agent.Ask<JobFilesReply>(new FetchJobFiles(jobId, [.. received]), timeout, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                return (0, $"{JobCoordinator.Key(node)} did not answer within {timeout.TotalSeconds:0} s");
            }
            if (reply.Error is { } error)
            {
                return (0, error);
            }
            if (reply.Contents.Length != reply.Names.Length || reply.ModifiedUtcTicks.Length != reply.Names.Length)
            {
                return (0, $"{reply.Node} sent {reply.Names.Length} names with {reply.Contents.Length} contents");
            }
            var before = received.Count;
            for (var i = 0; i < reply.Names.Length; i++)
            {
                var name = reply.Names[i];
                // A name from another process never leads out of the folder.
                if (!JobFiles.IsSafeFileName(name) || received.Contains(name, StringComparer.Ordinal))
                {
                    continue;
                }
                received.Add(name);
                if (written.TryGetValue(name, out var ticks) && ticks >= reply.ModifiedUtcTicks[i])
                {
                    continue;
                }
                JobFiles.WriteAtomically(Path.Combine(folder, name), reply.Contents[i]);
                written[name] = reply.ModifiedUtcTicks[i];
            }
            if (reply.LeftOut == 0 || received.Count == before)
            {
                return (reply.LeftOut, null);
            }
        }
    }

    /// <summary>Refuses, before submitting, a job that one cluster message cannot carry: a job travels to the
    /// coordinator and to every node's replica whole (its inputs and the checkpoint it resumes from included), and its
    /// checkpoints travel the same way, so chunking the submission alone would not let it run.</summary>
    /// <exception cref="DataflowJobException">The job with its inputs exceeds the remoting frame less
    /// <see cref="FrameHeadroomBytes"/>.</exception>
    private void EnsureFits(JobSpec spec)
    {
        if (_seed is null)
        {
            // Embedded: the job's messages stay in this process.
            return;
        }
        var frame = _node.System.Settings.Config.GetByteSize(FrameSizeKey) ?? long.MaxValue;
        var size = Workload.Encode(spec).LongLength;
        if (size > frame - FrameHeadroomBytes)
        {
            throw new DataflowJobException(spec.JobId, string.Create(CultureInfo.InvariantCulture,
                $"refused before submitting: the job with its inputs is {size / 1048576.0:F1} MiB ({size} bytes), more than one cluster message carries ({FrameSizeKey} = {frame} bytes, hocon/dataflow.conf, less {FrameHeadroomBytes} for the envelope); run it embedded (without --cluster), or raise the limit with --hocon on every host and client"));
        }
    }

    /// <summary>The configuration key of the largest message remoting sends.</summary>
    public const string FrameSizeKey = "akka.remote.dot-netty.tcp.maximum-frame-size";

    /// <summary>Room left in a frame for what wraps a job (the submitting client's address, a replica's fields).</summary>
    public const long FrameHeadroomBytes = 64 * 1024;

    private static string NewJobId(IJobDefinition job) =>
        $"{job.Workload}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Asks the coordinator for members, jobs and telemetry.</summary>
    public Task<ClusterStatus> StatusAsync(TimeSpan? timeout = null) =>
        _node.Coordinator.Ask<ClusterStatus>(new GetClusterStatus(), timeout ?? TimeSpan.FromSeconds(10));

    /// <summary>Leaves the cluster and stops the local actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        _memory.Dispose();
        await _node.ShutdownAsync().ConfigureAwait(false);
        await _node.System.WhenTerminated.ConfigureAwait(false);
    }
}
