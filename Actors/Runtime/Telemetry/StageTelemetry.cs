using System.Diagnostics;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>One stage actor's handle on the <see cref="DataflowMeter"/> instruments, tagged with its job, stage, worker and node.</summary>
/// <remarks>
/// Create one per stage actor (in its constructor or <c>PreStart</c>) and dispose it in <c>PostStop</c>. Recording
/// reuses one cached tag list and allocates nothing per message. Counters are cumulative in every listener; disposing
/// only stops the mailbox depth gauge for this stage.
/// </remarks>
public sealed class StageTelemetry : IDisposable
{
    private const int NoDepth = -1;

    private readonly TagList _tags;
    private Func<int>? _mailboxDepthReader;
    private int _reportedMailboxDepth = NoDepth;
    private int _disposed;

    /// <summary>Creates the handle of one stage actor.</summary>
    /// <param name="job">Job id.</param>
    /// <param name="stage">Stage name within the job (<c>sampler</c>, <c>reducer</c>...).</param>
    /// <param name="worker">Logical worker id, or the actor name where the stage has no logical workers.</param>
    /// <param name="node">Address of the node running the actor, host:port.</param>
    /// <param name="workload">The job's workload (its run verb, <see cref="JobSpec.Workload"/>), which every stage of
    /// this build passes; by default the job id's first part, which job ids made by <c>DataflowCluster</c> start with
    /// (<c>nqs-20261205...</c>).</param>
    public StageTelemetry(string job, string stage, string worker, string node, string? workload = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(node);
        Job = job;
        Stage = stage;
        Worker = worker;
        Node = node;
        Workload = workload ?? WorkloadOf(job);
        _tags = new TagList
        {
            { DataflowMeter.JobTag, job },
            { DataflowMeter.WorkloadTag, Workload },
            { DataflowMeter.StageTag, stage },
            { DataflowMeter.WorkerTag, worker },
            { DataflowMeter.NodeTag, node },
        };
        DataflowMeter.Register(this);
    }

    /// <summary>Job id tag.</summary>
    public string Job { get; }

    /// <summary>Stage name tag.</summary>
    public string Stage { get; }

    /// <summary>Worker tag.</summary>
    public string Worker { get; }

    /// <summary>Node tag, host:port.</summary>
    public string Node { get; }

    /// <summary>Workload tag.</summary>
    public string Workload { get; }

    /// <summary>The workload a job id names: the part before its first '-' (the whole id without one).</summary>
    public static string WorkloadOf(string jobId) => jobId.IndexOf('-', StringComparison.Ordinal) is var dash and > 0 ? jobId[..dash] : jobId;

    internal TagList Tags => _tags;

    /// <summary>Starts timing one message; disposing the returned scope counts the message and its busy time.</summary>
    /// <example><code>using (_telemetry.MeasureMessage()) { Handle(msg); }</code></example>
    public MessageScope MeasureMessage() => new(this, Stopwatch.GetTimestamp());

    /// <summary>Counts one handled message that kept the actor busy for <paramref name="busy"/>.</summary>
    public void RecordMessage(TimeSpan busy)
    {
        var seconds = Math.Max(0.0, busy.TotalSeconds);
        DataflowMeter.StageMessages.Add(1, in _tags);
        DataflowMeter.StageBusy.Add(seconds, in _tags);
        DataflowMeter.StageHandleDuration.Record(seconds, in _tags);
    }

    /// <summary>Adds completed work items (samples, steps, frames...).</summary>
    public void AddItems(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        DataflowMeter.StageItems.Add(count, in _tags);
    }

    /// <summary>Adds payload bytes received.</summary>
    public void AddBytesIn(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        DataflowMeter.StageBytesIn.Add(bytes, in _tags);
    }

    /// <summary>Adds payload bytes sent.</summary>
    public void AddBytesOut(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        DataflowMeter.StageBytesOut.Add(bytes, in _tags);
    }

    /// <summary>Makes the mailbox depth gauge read the depth on demand from <paramref name="reader"/>.</summary>
    /// <remarks>
    /// The reader runs on whichever thread collects the gauge, so it must be thread-safe, as
    /// <see cref="MailboxDepth.ReaderFor"/> is. A negative result or an exception falls back to the last
    /// <see cref="ReportMailboxDepth"/> value.
    /// </remarks>
    public void SetMailboxDepth(Func<int> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Volatile.Write(ref _mailboxDepthReader, reader);
    }

    /// <summary>Reports the current mailbox depth, for actors that push it rather than set a reader.</summary>
    public void ReportMailboxDepth(int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        Volatile.Write(ref _reportedMailboxDepth, depth);
    }

    /// <summary>Stops reporting this stage's mailbox depth.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            DataflowMeter.Unregister(this);
        }
    }

    internal bool TryReadMailboxDepth(out int depth)
    {
        var reader = Volatile.Read(ref _mailboxDepthReader);
        if (reader is not null)
        {
            try
            {
                depth = reader();
                if (depth >= 0)
                {
                    return true;
                }
            }
            catch (Exception)
            {
                // A reader of a stopped actor may throw; the gauge must not break collection of the others.
            }
        }
        depth = Volatile.Read(ref _reportedMailboxDepth);
        return depth >= 0;
    }
}

/// <summary>Times one message of a <see cref="StageTelemetry"/>; a struct, so <c>using</c> it allocates nothing.</summary>
public readonly struct MessageScope : IDisposable
{
    private readonly StageTelemetry? _owner;
    private readonly long _startTimestamp;

    internal MessageScope(StageTelemetry owner, long startTimestamp)
    {
        _owner = owner;
        _startTimestamp = startTimestamp;
    }

    /// <summary>Counts the message and the time since the scope started.</summary>
    public void Dispose() => _owner?.RecordMessage(Stopwatch.GetElapsedTime(_startTimestamp));
}
