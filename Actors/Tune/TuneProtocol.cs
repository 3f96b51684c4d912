using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Tune;
using MessagePack;

namespace Dataflow.Actors.Tune;

/// <summary>The <c>tune</c> workload's spec: the model's tasks, the policy and budget, and the records of earlier
/// runs (a resumed log), which are never measured again.</summary>
/// <param name="Model">The model's name (<c>cnn</c>, <c>transformer</c> or the file it came from).</param>
/// <param name="TasksJson">The model's task list as JSON (<see cref="TuneModelJson"/>), so no node needs the file.</param>
/// <param name="Policy">familyseer, one-model or per-task.</param>
/// <param name="Grouping">anchor or op-sequence.</param>
/// <param name="Budget">New measurements at most.</param>
/// <param name="BatchSize">Candidates per round.</param>
/// <param name="MeasureRepeats">Timed repeats per candidate.</param>
/// <param name="Seed">Seed of the search and the cost models.</param>
/// <param name="Threads">Largest thread count a schedule may use.</param>
/// <param name="PreviousLog">JSONL records of earlier runs, or empty.</param>
[MessagePackObject]
public sealed record TuneJobSpec(
    [property: Key(0)] string Model,
    [property: Key(1)] string TasksJson,
    [property: Key(2)] string Policy,
    [property: Key(3)] string Grouping,
    [property: Key(4)] int Budget,
    [property: Key(5)] int BatchSize,
    [property: Key(6)] int MeasureRepeats,
    [property: Key(7)] int Seed,
    [property: Key(8)] int Threads,
    [property: Key(9)] string PreviousLog)
{
    /// <summary>Policy names as the command line spells them.</summary>
    public static readonly string[] Policies = ["familyseer", "one-model", "per-task"];

    /// <summary>Grouping names as the command line spells them.</summary>
    public static readonly string[] Groupings = ["anchor", "op-sequence"];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (!Policies.Contains(Policy))
        {
            throw new ArgumentException($"policy '{Policy}' is not one of {string.Join(", ", Policies)}", "policy");
        }
        if (!Groupings.Contains(Grouping))
        {
            throw new ArgumentException($"grouping '{Grouping}' is not one of {string.Join(", ", Groupings)}", "grouping");
        }
        if (Budget < 1 || Budget > 1_000_000)
        {
            throw new ArgumentException($"budget must be in 1..1000000 (got {Budget})", "budget");
        }
        if (BatchSize < 1 || BatchSize > 1024)
        {
            throw new ArgumentException($"batch size must be in 1..1024 (got {BatchSize})", "batch-size");
        }
        if (MeasureRepeats < 1 || MeasureRepeats > 1000)
        {
            throw new ArgumentException($"measure repeats must be in 1..1000 (got {MeasureRepeats})", "measure-repeats");
        }
        if (Threads < 1 || Threads > 1024)
        {
            throw new ArgumentException($"threads must be in 1..1024 (got {Threads})", "threads");
        }
        ToModel();
        PreviousRecords();
    }

    /// <summary>The model the spec carries.</summary>
    public TuneModel ToModel() => TuneModelJson.Parse(TasksJson, Model);

    /// <summary>The tuner's options.</summary>
    public TunerOptions ToOptions() => new(
        Policy switch { "one-model" => TunePolicy.OneModel, "per-task" => TunePolicy.PerTask, _ => TunePolicy.FamilySeer },
        Grouping == "op-sequence" ? FamilyGrouping.OpSequence : FamilyGrouping.Anchor,
        Budget, BatchSize, Seed, Threads);

    /// <summary>The earlier runs' records.</summary>
    public List<TuneRecord> PreviousRecords() => TuneRecord.ParseLog(PreviousLog, "previous log");
}

/// <summary>Tune driver to a node's stage: time these candidates of one task.</summary>
[MessagePackObject]
public sealed record TuneMeasure(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int TaskIndex,
    [property: Key(3)] string[] Schedules) : IStageMessage;

/// <summary>Tune stage to driver: the records of a <see cref="TuneMeasure"/>, in its order.</summary>
[MessagePackObject]
public sealed record TuneMeasured(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int TaskIndex,
    [property: Key(3)] string[] Schedules,
    [property: Key(4)] double[] MedianSeconds,
    [property: Key(5)] int[] Repeats,
    [property: Key(6)] string Node,
    [property: Key(7)] string Machine) : IDataflowMessage;

/// <summary>Tune stage to driver: a candidate could not be run.</summary>
[MessagePackObject]
public sealed record TuneMeasureFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] string Error) : IDataflowMessage;
