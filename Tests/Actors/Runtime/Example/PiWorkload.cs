using Akka.Actor;
using Dataflow.Actors.Runtime;
using MessagePack;

namespace Dataflow.Tests.Actors.Runtime.Example;

// A tiny workload written by following README's "Adding a workload": a Monte Carlo estimate of pi by logical workers,
// each with its own counter-based random stream, so the estimate does not depend on where the workers ran. Everything
// it needs is in this file; the one registration is Workloads.Register(new PiWorkload()).

/// <summary>The <c>pi</c> job's spec: rounds of <see cref="SamplesPerWorker"/> points for each logical worker.</summary>
[MessagePackObject]
public sealed record PiJobSpec(
    [property: Key(0)] int LogicalWorkers,
    [property: Key(1)] int Rounds,
    [property: Key(2)] long SamplesPerWorker,
    [property: Key(3)] long Seed)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (LogicalWorkers < 1 || Rounds < 1 || SamplesPerWorker < 1)
        {
            throw new ArgumentException("logicalWorkers, rounds and samplesPerWorker must be at least 1", nameof(LogicalWorkers));
        }
    }

    /// <summary>Hits of worker <paramref name="worker"/> in round <paramref name="round"/>: points of the unit square
    /// inside the quarter circle, from a SplitMix64 stream keyed by (seed, worker, round, point).</summary>
    public long Hits(int worker, int round)
    {
        long hits = 0;
        for (long i = 0; i < SamplesPerWorker; i++)
        {
            var key = Mix((ulong)Seed ^ Mix(((ulong)worker << 40) ^ ((ulong)round << 20) ^ (ulong)i));
            var x = (key >> 11) * (1.0 / (1UL << 53));
            var y = (Mix(key) >> 11) * (1.0 / (1UL << 53));
            hits += x * x + y * y <= 1.0 ? 1 : 0;
        }
        return hits;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Driver to a node's stage: count the hits of these workers in this round.</summary>
[MessagePackObject]
public sealed record PiWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int Round,
    [property: Key(3)] int[] Workers) : IStageMessage;

/// <summary>Stage to driver: the hits of a <see cref="PiWork"/>'s workers, in its order.</summary>
[MessagePackObject]
public sealed record PiCounts(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int Round,
    [property: Key(3)] int[] Workers,
    [property: Key(4)] long[] Hits) : IDataflowMessage;

/// <summary>The pi job's checkpoint: rounds done and hits so far.</summary>
[MessagePackObject]
public sealed record PiCheckpoint([property: Key(0)] int Round, [property: Key(1)] long Hits);

/// <summary>The result of a <c>pi</c> job.</summary>
public sealed record PiResult(double Pi, long Hits, long Samples, int PlacementChanges, PiJobSpec Inputs) : WorkloadResult;

/// <summary>The <c>pi</c> workload: validation, driver and stage.</summary>
public sealed class PiWorkload : Workload
{
    /// <inheritdoc />
    public override string Name => "pi";

    /// <inheritdoc />
    public override Type PayloadType => typeof(PiJobSpec);

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<PiJobSpec>(spec).Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) => Props.Create(() => new PiDriver(start));

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) => Props.Create(() => new PiStage(spec));
}

/// <summary>The DSL side: a validated job.</summary>
public sealed record PiJob(PiJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => "pi";

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, global::Dataflow.Actors.Runtime.Workload.Encode(Spec));
}

/// <summary>Counts hits of the workers placed on this node.</summary>
public sealed class PiStage : ReceiveActor
{
    /// <summary>Creates the stage.</summary>
    public PiStage(JobSpec spec)
    {
        var job = Workload.Decode<PiJobSpec>(spec);
        Receive<PiWork>(w => Sender.Tell(new PiCounts(w.JobId, w.Generation, w.Round, w.Workers,
            w.Workers.Select(worker => job.Hits(worker, w.Round)).ToArray())));
    }
}

/// <summary>Places the logical workers, sums their hits in logical order, checkpoints every round.</summary>
public sealed class PiDriver : JobDriver
{
    private readonly PiJobSpec _job;
    private readonly long[] _round;
    private readonly bool[] _arrived;
    private PiCheckpoint _state;

    /// <summary>Creates the driver, from the job's checkpoint when it has one.</summary>
    public PiDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<PiJobSpec>(Spec);
        _round = new long[_job.LogicalWorkers];
        _arrived = new bool[_job.LogicalWorkers];
        _state = StartCheckpoint is { } bytes
            ? MessagePackSerializer.Deserialize<PiCheckpoint>(bytes, Workload.PayloadOptions)
            : new PiCheckpoint(0, 0);
        Receive<PiCounts>(c =>
        {
            if (c.Generation != Generation || c.Round != _state.Round)
            {
                return;
            }
            for (var k = 0; k < c.Workers.Length; k++)
            {
                _round[c.Workers[k]] = c.Hits[k];
                _arrived[c.Workers[k]] = true;
            }
            if (_arrived.All(a => a))
            {
                // Logical order: the same sum on any placement.
                _state = new PiCheckpoint(_state.Round + 1, _state.Hits + _round.Sum());
                Replicate(_state.Round, MessagePackSerializer.Serialize(_state, Workload.PayloadOptions));
                Progress(_state.Round, _job.Rounds, new() { ["pi"] = Estimate }, "");
                Issue();
            }
        });
    }

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_state.Round, _job.Rounds);

    private double Estimate => 4.0 * _state.Hits / (_state.Round * _job.LogicalWorkers * _job.SamplesPerWorker);

    /// <inheritdoc />
    protected override void OnPlaced() => Issue();

    /// <inheritdoc />
    protected override void OnRestart() => Issue();

    private void Issue()
    {
        if (_state.Round == _job.Rounds)
        {
            var samples = _job.Rounds * _job.LogicalWorkers * _job.SamplesPerWorker;
            Complete(new PiResult(Estimate, _state.Hits, samples, PlacementChanges, _job));
            return;
        }
        NewGeneration();
        Array.Clear(_arrived);
        foreach (var (agent, workers) in Place(_job.LogicalWorkers))
        {
            agent.Tell(new PiWork(JobId, Generation, _state.Round, workers));
        }
        ArmStepTimeout();
    }
}
