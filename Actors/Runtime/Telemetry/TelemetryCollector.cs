using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Dataflow.Actors.Runtime.Telemetry;

/// <summary>Listens to the <c>Dataflow</c> meter and keeps this node's per-stage totals, from which it takes <see cref="NodeTelemetry"/> snapshots.</summary>
/// <remarks>
/// Only measurements tagged with this collector's <see cref="Node"/> are kept, so several in-process nodes (tests,
/// embedded clusters) each see their own stages. Counting starts when the collector is created: like any
/// <see cref="MeterListener"/>, it does not see what was recorded before. <see cref="StageSample.ItemsPerSecond"/> is a
/// sliding-window rate: the items added between the newest snapshot instant at least <see cref="RateWindow"/> old (or
/// the stage's first measurement, if the stage is younger) and now, divided by that interval. It therefore covers
/// between one and one-plus-a-snapshot-period windows, and concurrent readers (a scrape and a node agent's timer) do
/// not disturb each other's rates. Snapshots may be taken from any thread.
/// </remarks>
public sealed class TelemetryCollector : IDisposable
{
    /// <summary>Default width of the items-per-second window.</summary>
    public static readonly TimeSpan DefaultRateWindow = TimeSpan.FromSeconds(10);

    // Bounds the rate history under very frequent snapshots; past it, the point after the origin is dropped.
    private const int MaxRatePoints = 64;

    private static readonly object _messagesKind = Kind.Messages;
    private static readonly object _busyKind = Kind.Busy;
    private static readonly object _itemsKind = Kind.Items;
    private static readonly object _bytesInKind = Kind.BytesIn;
    private static readonly object _bytesOutKind = Kind.BytesOut;
    private static readonly object _mailboxKind = Kind.MailboxDepth;
    private static readonly object _managedKind = Kind.ManagedMemory;
    private static readonly object _nativeKind = Kind.NativeMemory;

    private readonly MeterListener _listener;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<StageKey, StageCell> _stages = new();
    private readonly Lock _snapshotLock = new();
    private long _generation;
    private long _managedBytes = -1;
    private long _nativeBytes = -1;

    /// <summary>Starts collecting the measurements of stages tagged with <paramref name="node"/>.</summary>
    /// <param name="node">This node's address, host:port, as the stage actors tag it.</param>
    /// <param name="rateWindow">Width of the items-per-second window; <see cref="DefaultRateWindow"/> if null.</param>
    /// <param name="timeProvider">Clock for rates and timestamps; <see cref="TimeProvider.System"/> if null.</param>
    public TelemetryCollector(string node, TimeSpan? rateWindow = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        Node = node;
        RateWindow = rateWindow ?? DefaultRateWindow;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RateWindow, TimeSpan.Zero, nameof(rateWindow));
        _time = timeProvider ?? TimeProvider.System;

        // Creates the instruments, so that the node memory gauges exist even before any stage does.
        RuntimeHelpers.RunClassConstructor(typeof(DataflowMeter).TypeHandle);
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.SetMeasurementEventCallback<int>(OnInt);
        _listener.Start();
    }

    private enum Kind
    {
        Messages,
        Busy,
        Items,
        BytesIn,
        BytesOut,
        MailboxDepth,
        ManagedMemory,
        NativeMemory,
    }

    /// <summary>This node's address, host:port.</summary>
    public string Node { get; }

    /// <summary>Width of the items-per-second window.</summary>
    public TimeSpan RateWindow { get; }

    /// <summary>Reads the gauges and returns this node's memory and every stage seen so far, ordered by job, stage and worker.</summary>
    public NodeTelemetry Snapshot()
    {
        lock (_snapshotLock)
        {
            var generation = ++_generation;
            _managedBytes = -1;
            _nativeBytes = -1;
            // Invokes the gauges' callbacks on this thread; OnInt stamps each depth with the generation.
            _listener.RecordObservableInstruments();
            var now = _time.GetTimestamp();

            var samples = new List<StageSample>(_stages.Count);
            foreach (var (key, cell) in _stages)
            {
                samples.Add(cell.Sample(key, Node, generation, now, RateWindow, _time));
            }
            samples.Sort(CompareStages);

            var node = new NodeSample(
                Node,
                _managedBytes >= 0 ? _managedBytes : ProcessMemory.ManagedBytes(),
                _nativeBytes >= 0 ? _nativeBytes : ProcessMemory.NativeBytes(),
                _time.GetUtcNow().ToUnixTimeMilliseconds(),
                Environment.CpuUsage.TotalTime.TotalSeconds);
            return new NodeTelemetry(node, [.. samples]);
        }
    }

    /// <summary>Forgets every stage of <paramref name="job"/>, once the job has ended and its last totals were published.</summary>
    public void RemoveJob(string job)
    {
        foreach (var key in _stages.Keys)
        {
            if (key.Job == job)
            {
                _stages.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private static int CompareStages(StageSample a, StageSample b)
    {
        var c = string.CompareOrdinal(a.Job, b.Job);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.Stage, b.Stage);
        }
        if (c == 0)
        {
            c = string.CompareOrdinal(a.Worker, b.Worker);
        }
        return c;
    }

    private static void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (instrument.Meter.Name != DataflowMeter.Name)
        {
            return;
        }
        var state = instrument.Name switch
        {
            "dataflow.stage.messages" => _messagesKind,
            "dataflow.stage.busy" => _busyKind,
            "dataflow.stage.items" => _itemsKind,
            "dataflow.stage.received" => _bytesInKind,
            "dataflow.stage.sent" => _bytesOutKind,
            "dataflow.stage.mailbox_depth" => _mailboxKind,
            "dataflow.node.managed_memory" => _managedKind,
            "dataflow.node.native_memory" => _nativeKind,
            _ => null,
        };
        if (state is not null)
        {
            listener.EnableMeasurementEvents(instrument, state);
        }
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var kind = (Kind)state!;
        if (kind == Kind.ManagedMemory)
        {
            _managedBytes = value;
            return;
        }
        if (kind == Kind.NativeMemory)
        {
            _nativeBytes = value;
            return;
        }
        var cell = CellFor(tags);
        if (cell is null)
        {
            return;
        }
        lock (cell.Gate)
        {
            switch (kind)
            {
                case Kind.Messages: cell.Messages += value; break;
                case Kind.Items: cell.Items += value; break;
                case Kind.BytesIn: cell.BytesIn += value; break;
                case Kind.BytesOut: cell.BytesOut += value; break;
            }
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if ((Kind)state! != Kind.Busy || CellFor(tags) is not { } cell)
        {
            return;
        }
        lock (cell.Gate)
        {
            cell.BusySeconds += value;
        }
    }

    private void OnInt(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if ((Kind)state! != Kind.MailboxDepth || CellFor(tags) is not { } cell)
        {
            return;
        }
        lock (cell.Gate)
        {
            cell.MailboxDepth = value;
            // Only gauges are recorded inside Snapshot, which holds _snapshotLock, so _generation is current.
            cell.MailboxGeneration = _generation;
        }
    }

    private StageCell? CellFor(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? job = null, stage = null, worker = null, node = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case DataflowMeter.JobTag: job = tag.Value as string; break;
                case DataflowMeter.StageTag: stage = tag.Value as string; break;
                case DataflowMeter.WorkerTag: worker = tag.Value as string; break;
                case DataflowMeter.NodeTag: node = tag.Value as string; break;
            }
        }
        if (node != Node || job is null || stage is null)
        {
            return null;
        }
        var key = new StageKey(job, stage, worker ?? "");
        if (_stages.TryGetValue(key, out var cell))
        {
            return cell;
        }
        return _stages.GetOrAdd(key, static (_, time) => new StageCell(time.GetTimestamp()), _time);
    }

    private readonly record struct StageKey(string Job, string Stage, string Worker);

    private sealed class StageCell(long createdTimestamp)
    {
        // (timestamp, items) at the creation of the cell and at each snapshot since, oldest first.
        private readonly List<(long Timestamp, long Items)> _ratePoints = [(createdTimestamp, 0L)];

        public readonly Lock Gate = new();
        public long Messages;
        public double BusySeconds;
        public long Items;
        public long BytesIn;
        public long BytesOut;
        public int MailboxDepth;
        public long MailboxGeneration;

        public StageSample Sample(StageKey key, string node, long generation, long now, TimeSpan window, TimeProvider time)
        {
            lock (Gate)
            {
                // The origin is the newest point at least one window old (or the oldest point); older ones go.
                var drop = 0;
                while (drop + 1 < _ratePoints.Count && time.GetElapsedTime(_ratePoints[drop + 1].Timestamp, now) >= window)
                {
                    drop++;
                }
                _ratePoints.RemoveRange(0, drop);
                var origin = _ratePoints[0];
                var seconds = time.GetElapsedTime(origin.Timestamp, now).TotalSeconds;
                var rate = seconds > 0 ? (Items - origin.Items) / seconds : 0.0;
                if (_ratePoints.Count >= MaxRatePoints)
                {
                    // Dropping the point after the origin keeps the window at least as wide.
                    _ratePoints.RemoveAt(1);
                }
                _ratePoints.Add((now, Items));

                // A stage that no gauge reported in this snapshot has stopped or never reported a depth.
                var depth = MailboxGeneration == generation ? MailboxDepth : 0;
                return new StageSample(key.Job, key.Stage, key.Worker, node, Messages, BusySeconds, Items, BytesIn,
                    BytesOut, depth, rate);
            }
        }
    }
}
