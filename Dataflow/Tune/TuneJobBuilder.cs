using Dataflow.Actors.Runtime;
using Dataflow.Actors.Tune;
using Dataflow.Kernels.Input;
using Dataflow.Kernels.Tune;

namespace Dataflow.Tune;

/// <summary>Fluent builder of a <c>tune</c> job.</summary>
public sealed class TuneJobBuilder
{
    private TuneModel _model = TuneModel.Cnn();
    private string _modelName = "cnn";
    private string _policy = "familyseer";
    private string _grouping = "anchor";
    private int _budget = 2000;
    private int _batch = 16;
    private int _repeats = 5;
    private int _seed = 1;
    private int _threads = Environment.ProcessorCount;
    private string _previous = "";

    /// <summary>A built-in model (<c>cnn</c>, <c>transformer</c>) or a task-list JSON file (<see cref="TuneModelJson"/>).</summary>
    /// <exception cref="FormatException">The file is not a task list; the message names the file and line.</exception>
    public TuneJobBuilder Model(string nameOrPath)
    {
        if (nameOrPath is "cnn" or "transformer")
        {
            (_model, _modelName) = (TuneModel.Named(nameOrPath), nameOrPath);
            return this;
        }
        if (!File.Exists(nameOrPath))
        {
            throw new FileNotFoundException($"model '{nameOrPath}' is neither cnn, transformer nor an existing .json file", nameOrPath);
        }
        _model = TuneModelJson.Parse(BoundedInput.ReadAllText(nameOrPath, InputLimits.Current, decompress: false), nameOrPath);
        _modelName = nameOrPath;
        return this;
    }

    /// <summary>A model built in code.</summary>
    public TuneJobBuilder Model(TuneModel model) { (_model, _modelName) = (model, model.Name); return this; }

    /// <summary><c>familyseer</c> (default), <c>one-model</c> or <c>per-task</c>.</summary>
    public TuneJobBuilder Policy(string policy) { _policy = policy; return this; }

    /// <summary>FamilySeer's families: <c>anchor</c> (default) or <c>op-sequence</c>.</summary>
    public TuneJobBuilder Grouping(string grouping) { _grouping = grouping; return this; }

    /// <summary>New measurements at most (default 2000).</summary>
    public TuneJobBuilder Budget(int measurements) { _budget = measurements; return this; }

    /// <summary>Candidates per round (default 16).</summary>
    public TuneJobBuilder BatchSize(int candidates) { _batch = candidates; return this; }

    /// <summary>Timed repeats per candidate (default 5).</summary>
    public TuneJobBuilder MeasureRepeats(int repeats) { _repeats = repeats; return this; }

    /// <summary>Seed of the search and cost models (default 1).</summary>
    public TuneJobBuilder Seed(int seed) { _seed = seed; return this; }

    /// <summary>Largest thread count a schedule may use (default: this machine's cores).</summary>
    public TuneJobBuilder Threads(int threads) { _threads = threads; return this; }

    /// <summary>Resume from a JSONL log: its records are known and never measured again.</summary>
    public TuneJobBuilder ResumeFrom(string logPath)
    {
        _previous = File.Exists(logPath) ? BoundedInput.ReadAllText(logPath, InputLimits.Current, decompress: false) : "";
        TuneRecord.ParseLog(_previous, logPath);
        return this;
    }

    /// <summary>Validates and returns the job.</summary>
    public TuneJob Build()
    {
        var spec = new TuneJobSpec(_modelName, TuneModelJson.Write(_model), _policy, _grouping, _budget, _batch, _repeats,
            _seed, _threads, _previous);
        spec.Validate();
        return new TuneJob(spec);
    }
}

/// <summary>A validated <c>tune</c> job.</summary>
public sealed record TuneJob(TuneJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => TuneWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
