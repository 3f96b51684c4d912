using Dataflow.Actors.Har;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Har;

namespace Dataflow.Har;

/// <summary>Builds a <c>har-train</c> job: <c>Job.HarTrain().Seed(1).Output("har-model.bin").Build()</c>.</summary>
/// <remarks>Defaults are <see cref="HarTrainSettings"/>'.</remarks>
public sealed class HarTrainJobBuilder
{
    private HarTrainSettings _settings = new();
    private string? _output;

    /// <summary>Changes the training settings.</summary>
    public HarTrainJobBuilder Settings(Func<HarTrainSettings, HarTrainSettings> change) { _settings = change(_settings); return this; }

    /// <summary>Seed of the data, the initial weights and the batches.</summary>
    public HarTrainJobBuilder Seed(long seed) { _settings = _settings with { Seed = seed }; return this; }

    /// <summary>Where the client writes the model file (none: the result only).</summary>
    public HarTrainJobBuilder Output(string? path) { _output = path is null ? null : Path.GetFullPath(path); return this; }

    /// <summary>Validates and returns the job.</summary>
    public HarTrainJob Build()
    {
        _settings.Validate();
        return new HarTrainJob(HarTrainJobSpec.Of(_settings)) { OutputPath = _output };
    }
}

/// <summary>A validated <c>har-train</c> job; the client writes the model to <see cref="OutputPath"/>.</summary>
public sealed record HarTrainJob(HarTrainJobSpec Spec) : IJobDefinition, IJobOutputWriter
{
    /// <summary>The model file to write, or null.</summary>
    public string? OutputPath { get; init; }

    /// <inheritdoc />
    public string Workload => HarTrainWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));

    /// <inheritdoc />
    public void Write(JobOutput output)
    {
        if (output.Stream == HarTrainDriver.ModelStream && OutputPath is { } path)
        {
            HarModel.FromBytes(output.Data, "the model the job sent").Dispose();
            File.WriteAllBytes(path, output.Data);
        }
    }
}
