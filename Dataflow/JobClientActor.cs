using Akka.Actor;
using Dataflow.Actors.Runtime;

namespace Dataflow;

/// <summary>The client's end of one job: submits it, relays progress, completes the caller's task.</summary>
/// <remarks>
/// If no progress arrives for a while (the coordinator's node may have died and a successor is resuming
/// the job from a replicated checkpoint), it re-attaches with <see cref="WatchJob"/>.
/// </remarks>
internal sealed class JobClientActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan s_acceptTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_quietInterval = TimeSpan.FromSeconds(5);
    private const int MaxUnknownReplies = 24;
    private readonly JobSpec _spec;
    private readonly IActorRef _coordinator;
    private readonly TaskCompletionSource<JobResult> _done;
    private readonly IProgress<JobProgress>? _progress;
    private readonly Action<JobOutput>? _output;
    private bool _accepted;
    private bool _finished;
    private int _unknown;
    private DateTime _lastHeard = DateTime.UtcNow;

    public JobClientActor(JobSpec spec, IActorRef coordinator, TaskCompletionSource<JobResult> done,
        IProgress<JobProgress>? progress, Action<JobOutput>? output)
    {
        _output = output;
        _spec = spec;
        _coordinator = coordinator;
        _done = done;
        _progress = progress;
        Receive<JobAccepted>(_ => { _accepted = true; Heard(); });
        Receive<JobProgress>(p => { _accepted = true; Heard(); _progress?.Report(p); });
        Receive<JobOutput>(o => { _accepted = true; Heard(); _output?.Invoke(o); });
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
            if (++_unknown > MaxUnknownReplies)
            {
                _done.TrySetException(new DataflowJobException(_spec.JobId,
                    $"job {_spec.JobId} was lost: the coordinator no longer knows it and no checkpoint replica resumed it"));
                Context.Stop(Self);
            }
        });
        Receive<Tick>(_ =>
        {
            var quiet = DateTime.UtcNow - _lastHeard;
            if (!_accepted && quiet > s_acceptTimeout)
            {
                _done.TrySetException(new DataflowJobException(_spec.JobId,
                    $"no coordinator accepted job {_spec.JobId} within {s_acceptTimeout.TotalSeconds:0} s"));
                Context.Stop(Self);
            }
            else if (_accepted && quiet > s_quietInterval)
            {
                _coordinator.Tell(new WatchJob(_spec.JobId, Self));
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(JobSpec spec, IActorRef coordinator, TaskCompletionSource<JobResult> done,
        IProgress<JobProgress>? progress, Action<JobOutput>? output = null) =>
        Akka.Actor.Props.Create(() => new JobClientActor(spec, coordinator, done, progress, output));

    protected override void PreStart()
    {
        _coordinator.Tell(new SubmitJob(_spec, Self));
        Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));
    }

    protected override void PostStop()
    {
        // Stopped before the job ended (the caller cancelled): do not leave the job running on the cluster.
        if (!_finished)
        {
            _coordinator.Tell(new CancelJob(_spec.JobId, "the submitting client went away"));
        }
    }

    private void Heard()
    {
        _lastHeard = DateTime.UtcNow;
        _unknown = 0;
    }

    private sealed record Tick;
}
