using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow;

/// <summary>The client's end of one job: submits it (or attaches to it), relays progress, completes the caller's task.</summary>
/// <remarks>
/// If no word arrives for a while (the coordinator's node may have died and a successor is resuming the job from a
/// replica), it says so through the notice callback and re-attaches with <see cref="WatchJob"/>. A submitting client
/// whose job the coordinator does not know resubmits the spec (same id): the coordinator attaches it to the job if a
/// replica resumed it meanwhile, hands it the kept result if it ended, or restarts it from the spec, which gives the
/// same result. So a job is never lost while its client lives.
/// </remarks>
internal sealed class JobClientActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan s_acceptTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_quietInterval = TimeSpan.FromSeconds(5);
    private const int UnknownRepliesBeforeResubmit = 15;
    private const int UnknownRepliesOfAttachedJob = 30;
    private readonly string _jobId;
    private readonly JobSpec? _spec;
    private readonly bool _replay;
    private readonly IActorRef _coordinator;
    private readonly TaskCompletionSource<JobResult> _done;
    private readonly IProgress<JobProgress>? _progress;
    private readonly Action<JobOutput>? _output;
    private readonly Action<string>? _notice;
    private bool _accepted;
    private bool _finished;
    private int _unknown;
    private DateTime _lastHeard = DateTime.UtcNow;
    private DateTime _lastNotice = DateTime.MinValue;

    public JobClientActor(string jobId, JobSpec? spec, bool replay, IActorRef coordinator,
        TaskCompletionSource<JobResult> done, IProgress<JobProgress>? progress, Action<JobOutput>? output,
        Action<string>? notice)
    {
        _jobId = jobId;
        _spec = spec;
        _replay = replay;
        _output = output;
        _notice = notice;
        _coordinator = coordinator;
        _done = done;
        _progress = progress;
        Receive<JobAccepted>(_ => { _accepted = true; Heard(); });
        Receive<JobProgress>(p => { _accepted = true; Heard(); _progress?.Report(p); });
        Receive<JobOutput>(o =>
        {
            _accepted = true;
            Heard();
            try
            {
                _output?.Invoke(o);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // The client cannot keep what the job sends (a full disk, a directory it may not write): the job ends
                // here with that cause rather than run on with its output lost.
                var error = $"cannot write the job's {o.Stream} output: {e.Message}";
                _coordinator.Tell(new CancelJob(_jobId, error));
                _finished = true;
                _done.TrySetException(new DataflowJobException(_jobId, error));
                Context.Stop(Self);
            }
        });
        Receive<JobCompleted>(c =>
        {
            _finished = true;
            _done.TrySetResult(new JobResult(c.JobId, c.ResultJson));
            Context.Stop(Self);
        });
        Receive<JobFailed>(f =>
        {
            _finished = true;
            _done.TrySetException(new DataflowJobException(f.JobId, f.Error));
            Context.Stop(Self);
        });
        Receive<JobUnknown>(_ =>
        {
            _unknown++;
            if (_spec is not null && _unknown % UnknownRepliesBeforeResubmit == 0)
            {
                Notice($"the coordinator does not know job {_jobId} (its node may have died before any replica); submitting it again");
                _coordinator.Tell(new SubmitJob(_spec, Self));
            }
            else if (_spec is null && _unknown >= UnknownRepliesOfAttachedJob)
            {
                _finished = true;
                _done.TrySetException(new DataflowJobException(_jobId,
                    $"no job {_jobId} on this cluster (see 'dataflow jobs' for the jobs it knows)"));
                Context.Stop(Self);
            }
        });
        Receive<Tick>(_ =>
        {
            var quiet = DateTime.UtcNow - _lastHeard;
            if (_spec is not null && !_accepted && quiet > s_acceptTimeout)
            {
                _done.TrySetException(new DataflowJobException(_jobId,
                    $"no coordinator accepted job {_jobId} within {s_acceptTimeout.TotalSeconds:0} s"));
                Context.Stop(Self);
            }
            else if ((_accepted || _spec is null) && quiet > s_quietInterval)
            {
                if (DateTime.UtcNow - _lastNotice > TimeSpan.FromSeconds(10))
                {
                    Notice($"no word about job {_jobId} for {quiet.TotalSeconds:0} s; waiting for its coordinator (a node may be paused or failing over)");
                }
                _coordinator.Tell(new WatchJob(_jobId, Self));
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Submits <paramref name="spec"/> and follows it.</summary>
    public static Props Submit(JobSpec spec, IActorRef coordinator, TaskCompletionSource<JobResult> done,
        IProgress<JobProgress>? progress, Action<JobOutput>? output, Action<string>? notice) =>
        Akka.Actor.Props.Create(() => new JobClientActor(spec.JobId, spec, false, coordinator, done, progress, output, notice));

    /// <summary>Follows the running or ended job <paramref name="jobId"/>, from its first kept line when
    /// <paramref name="replay"/>.</summary>
    public static Props Attach(string jobId, bool replay, IActorRef coordinator, TaskCompletionSource<JobResult> done,
        IProgress<JobProgress>? progress, Action<JobOutput>? output, Action<string>? notice) =>
        Akka.Actor.Props.Create(() => new JobClientActor(jobId, null, replay, coordinator, done, progress, output, notice));

    protected override void PreStart()
    {
        _coordinator.Tell(_spec is not null ? new SubmitJob(_spec, Self) : new WatchJob(_jobId, Self, _replay));
        Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));
    }

    protected override void PostStop()
    {
        // A submitting client stopped before the job ended (the caller cancelled): do not leave the job running.
        // A process that is killed sends nothing, and its job runs on; a follower never cancels, and neither does a
        // client whose actor system shuts down because the cluster removed it (it reconnects and re-attaches).
        if (!_finished && _spec is not null && CoordinatedShutdown.Get(Context.System).ShutdownReason is null)
        {
            _coordinator.Tell(new CancelJob(_jobId, "the submitting client went away"));
        }
    }

    private void Heard()
    {
        _lastHeard = DateTime.UtcNow;
        _unknown = 0;
    }

    private void Notice(string text)
    {
        _lastNotice = DateTime.UtcNow;
        _notice?.Invoke(text);
    }

    private sealed record Tick;
}
