using Dataflow.Actors.DpTrain;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md.DeepPotential;

namespace Dataflow.DpTrain;

/// <summary>Builds a <c>dp-train</c> job: data folders in deepmd-kit's layout, the network and the schedule.</summary>
/// <remarks>Defaults: rcut 7, rcut_smth 5.5 Angstrom, sel from the data (the largest neighbour count of each type,
/// plus 20 %), embedding 8,16,32, axis_neuron 4, fitting 32,32,32, float32; 1000 steps of 2 frames, one logical
/// worker, deepmd-kit's learning-rate and loss schedules (<see cref="DpTrainSettings"/>).</remarks>
public sealed class DpTrainJobBuilder
{
    private readonly List<string> _training = [];
    private readonly List<string> _holdout = [];
    private DpTrainSettings _settings = new(new DeepPotentialSettings([], 7.0, 5.5, [], [8, 16, 32], 4, [32, 32, 32]), Steps: 1000, BatchSize: 2, Seed: 1);
    private string? _output;

    /// <summary>Training data folders (each a deepmd-kit system).</summary>
    public DpTrainJobBuilder Data(params string[] directories) { _training.AddRange(directories); return this; }

    /// <summary>Held-out data folders tested after training.</summary>
    public DpTrainJobBuilder Holdout(params string[] directories) { _holdout.AddRange(directories); return this; }

    /// <summary>Optimiser steps.</summary>
    public DpTrainJobBuilder Steps(int steps) { _settings = _settings with { Steps = steps }; return this; }

    /// <summary>Seed of the initial parameters and the frame order.</summary>
    public DpTrainJobBuilder Seed(long seed) { _settings = _settings with { Seed = seed }; return this; }

    /// <summary>Any other setting.</summary>
    public DpTrainJobBuilder Settings(Func<DpTrainSettings, DpTrainSettings> change) { _settings = change(_settings); return this; }

    /// <summary>The network's hyper-parameters (type map and sel are filled from the data when left empty).</summary>
    public DpTrainJobBuilder Model(Func<DeepPotentialSettings, DeepPotentialSettings> change) { _settings = _settings with { Model = change(_settings.Model) }; return this; }

    /// <summary>Where the client writes the model file.</summary>
    public DpTrainJobBuilder Output(string? path) { _output = path is null ? null : Path.GetFullPath(path); return this; }

    /// <summary>Reads the data and validates the job.</summary>
    /// <exception cref="InvalidDataException">A data file is missing or malformed (the message names it).</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public DpTrainJob Build()
    {
        if (_training.Count == 0)
        {
            throw new ArgumentException("--data: at least one data folder is needed", "data");
        }
        var training = _training.Select(DeepmdSystem.Read).ToArray();
        var holdout = _holdout.Select(DeepmdSystem.Read).ToArray();
        var model = _settings.Model;
        if (model.TypeMap.Length == 0)
        {
            model = model with { TypeMap = training.Concat(holdout).SelectMany(s => s.Types.Distinct().Order().Select(t => s.TypeMap[t])).Distinct().ToArray() };
        }
        if (model.Sel.Length == 0)
        {
            var max = DpTrainer.MaxNeighbors(training.Concat(holdout).ToArray(), model.TypeMap, model.CutoffAngstrom);
            model = model with { Sel = max.Select(m => Math.Max(1, (int)Math.Ceiling(1.2 * m))).ToArray() };
        }
        var spec = new DpTrainJobSpec(_settings with { Model = model },
            training.Select(DpSystemData.From).ToArray(), holdout.Select(DpSystemData.From).ToArray());
        spec.Validate();
        return new DpTrainJob(spec) { OutputPath = _output };
    }
}

/// <summary>A validated <c>dp-train</c> job; writes the model file when the job sends it.</summary>
public sealed record DpTrainJob(DpTrainJobSpec Spec) : IJobDefinition, IJobOutputWriter
{
    /// <summary>The model file to write, or null.</summary>
    public string? OutputPath { get; init; }

    /// <inheritdoc />
    public string Workload => DpTrainWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));

    /// <inheritdoc />
    public void Write(JobOutput output)
    {
        if (output.Stream == DpTrainDriver.ModelStream && OutputPath is { } path)
        {
            File.WriteAllBytes(path, output.Data);
        }
    }
}
