using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary>A workload's face on the command line: its <c>run</c> verb (options, help, the job it builds, its progress
/// line and summary) and its <c>bench</c> sections.</summary>
/// <remarks>Every concrete subclass in this assembly is found by <see cref="WorkloadCommands"/>: adding a workload's
/// command is adding its file. <c>run</c>, <c>jobs</c>, <c>bench</c> and the usage texts take the verbs from there.</remarks>
internal abstract class WorkloadCommand
{
    /// <summary>The verb (the workload's name), e.g. <c>train</c>.</summary>
    public abstract string Verb { get; }

    /// <summary>One line for <c>dataflow run --help</c>.</summary>
    public abstract string Summary { get; }

    /// <summary>The verb's usage text (<c>dataflow run VERB --help</c>).</summary>
    public abstract string Usage { get; }

    /// <summary>Options that take a value, without the cluster and output options every verb has.</summary>
    public abstract IReadOnlyList<string> ValuedOptions { get; }

    /// <summary>Options without a value, besides <c>--quiet</c> and <c>--detach</c>.</summary>
    public virtual IReadOnlyList<string> FlagOptions => [];

    /// <summary>The job the options describe; a bad option or input is a <see cref="UsageException"/>.</summary>
    public abstract IJobDefinition Build(ParsedOptions options);

    /// <summary>The text after <c>done/total</c> in a progress line.</summary>
    public virtual string ProgressLine(JobProgress progress) => progress.Note;

    /// <summary>Writes the human-readable summary of a finished job (and files it asks for, e.g. a plot).</summary>
    /// <param name="options">The <c>run</c> options, or null when the result was fetched later (<c>jobs result</c>).</param>
    public abstract void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output);

    /// <summary>The files and directories this verb's options make <c>run</c> write on this machine, checked before the
    /// job runs (besides <c>--json</c>, which every verb has).</summary>
    public virtual IEnumerable<OutputPath> OutputPaths(ParsedOptions options) => [];

    /// <summary>What to do with the job's output streams (e.g. md's <c>dump</c> frames), or null.</summary>
    public virtual Action<JobOutput>? Output(ParsedOptions options) => null;

    /// <summary>Writes the checkpoints a job of this workload sends to this client's <paramref name="directory"/>
    /// (<c>dataflow jobs logs ID --follow --checkpoint-dir DIR</c>), or null when the workload keeps none as files.</summary>
    public virtual Action<JobOutput>? CheckpointWriter(string directory) => null;

    /// <summary>Whether <c>run</c> takes <c>--plot FILE.png|FILE.svg</c> for this verb (<see cref="Plot"/>).</summary>
    public virtual bool HasPlot => false;

    /// <summary>What <c>--plot</c> draws of a finished job, from its result and the progress this client saw.</summary>
    public virtual Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) =>
        throw new NotSupportedException($"{Verb} has no plot");

    /// <summary>A run this verb handles itself for these arguments (e.g. md's <c>--in SCRIPT</c>, several jobs in turn),
    /// or null for the usual one job built by <see cref="Build"/>.</summary>
    public virtual Func<Task<int>>? RunsItself(string[] args) => null;

    /// <summary>The workload's sections of <c>dataflow bench</c>.</summary>
    public virtual IReadOnlyList<BenchSection> BenchSections => [];
}

/// <summary>One section of <c>dataflow bench</c>: a measurement printed against a baseline of the same run.</summary>
/// <param name="Name">The name <c>--only</c> takes.</param>
/// <param name="Description">One line for the usage text.</param>
/// <param name="Run">Writes the section.</param>
internal sealed record BenchSection(string Name, string Description, Func<TextWriter, ParsedOptions, Task> Run);

/// <summary>The workload commands of this build, by verb.</summary>
internal static class WorkloadCommands
{
    private static readonly Lazy<IReadOnlyList<WorkloadCommand>> s_all = new(() => typeof(WorkloadCommand).Assembly
        .GetTypes()
        .Where(t => t.IsSubclassOf(typeof(WorkloadCommand)) && !t.IsAbstract)
        .Select(t => (WorkloadCommand)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(c => c.Verb, StringComparer.Ordinal)
        .ToArray());

    /// <summary>Every workload command, by verb.</summary>
    public static IReadOnlyList<WorkloadCommand> All => s_all.Value;

    /// <summary>The command of <paramref name="verb"/>, or null.</summary>
    public static WorkloadCommand? Find(string verb) => All.FirstOrDefault(c => c.Verb == verb);
}
