using Dataflow.Actors.Fl;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Fl;

namespace Dataflow.Fl;

/// <summary>Fluent builder of an <c>fl</c> job.</summary>
/// <remarks>Defaults: 4 synthetic institutes, FedAvg without VFDA, 10 rounds of 1 local epoch, seed 1, volumes of 16^3
/// voxels, a U-Net of 8 base channels, 8 training and 4 held-out volumes per institute, batches of 2, Adam at 3e-3, a
/// round deadline of 600 s.</remarks>
public sealed class FlJobBuilder
{
    private FlSettings _settings = new();
    private double _deadlineSeconds = 600;

    /// <summary>Number of institutes.</summary>
    public FlJobBuilder Institutes(int count) { _settings = _settings with { Institutes = count }; return this; }

    /// <summary>The aggregation strategy.</summary>
    public FlJobBuilder Strategy(FlStrategyKind strategy) { _settings = _settings with { Strategy = strategy }; return this; }

    /// <summary>VFDA on top of the strategy.</summary>
    public FlJobBuilder Vfda(bool on = true) { _settings = _settings with { Vfda = on }; return this; }

    /// <summary>Federated rounds.</summary>
    public FlJobBuilder Rounds(int rounds) { _settings = _settings with { Rounds = rounds }; return this; }

    /// <summary>Local epochs per round.</summary>
    public FlJobBuilder LocalEpochs(int epochs) { _settings = _settings with { LocalEpochs = epochs }; return this; }

    /// <summary>Seed of the synthetic data, the initial weights, the batch orders and the VFDA draws.</summary>
    public FlJobBuilder Seed(long seed) { _settings = _settings with { Seed = seed }; return this; }

    /// <summary>Synthetic non-iid institutes (the default).</summary>
    public FlJobBuilder Synthetic() { _settings = _settings with { DataDirectory = null, InstituteNames = null, HostedData = false }; return this; }

    /// <summary>Institutes named <paramref name="names"/>, each served by a host started with <c>dataflow host --institute
    /// NAME --data DIR</c>: its volumes exist only there, and it runs there alone (it misses the rounds while no such host
    /// is in the cluster).</summary>
    public FlJobBuilder Sites(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _settings = _settings with { Institutes = names.Length, InstituteNames = names, DataDirectory = null, HostedData = true };
        return this;
    }

    /// <summary>Institutes from the sub-folders of <paramref name="directory"/> (MSD layout), read on the institutes'
    /// hosts; when the folder exists here, its sub-folders name the institutes and every file is checked at
    /// <see cref="Build"/>.</summary>
    public FlJobBuilder Data(string directory) { _settings = _settings with { DataDirectory = Path.GetFullPath(directory), HostedData = false }; return this; }

    /// <summary>Any other setting (network size, volumes, optimiser...).</summary>
    public FlJobBuilder Settings(Func<FlSettings, FlSettings> change) { _settings = change(_settings); return this; }

    /// <summary>How long the aggregator waits for a round's phase before going on without the missing institutes.</summary>
    public FlJobBuilder RoundDeadline(TimeSpan deadline) { _deadlineSeconds = deadline.TotalSeconds; return this; }

    /// <summary>Validates and returns the job; a bad option is an <see cref="ArgumentException"/> naming it, a bad data
    /// folder or file an <see cref="InvalidDataException"/> naming it.</summary>
    public FlJob Build()
    {
        var settings = _settings;
        if (settings.DataDirectory is { } root)
        {
            if (!Directory.Exists(root))
            {
                throw new InvalidDataException($"{root}: no such folder");
            }
            var names = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
            if (names.Length == 0)
            {
                throw new InvalidDataException($"{root}: no institute folders (one sub-folder per institute, each with imagesTr/ and labelsTr/)");
            }
            settings = settings with { Institutes = names.Length, InstituteNames = names };
            settings.Validate();
            for (var i = 0; i < names.Length; i++)
            {
                InstituteFolder.Load(settings, i);
            }
        }
        var spec = new FlJobSpec(settings, _deadlineSeconds);
        spec.Validate();
        return new FlJob(spec);
    }
}

/// <summary>A validated <c>fl</c> job.</summary>
/// <param name="Spec">What travels to the cluster.</param>
public sealed record FlJob(FlJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => FlWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
