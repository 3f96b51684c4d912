using System.Security.Cryptography;
using Dataflow.Actors.Runtime;
using Dataflow.DpTrain;
using Dataflow.Kernels.Md.DeepPotential;
using MessagePack;

namespace Dataflow.Actors.DpTrain;

/// <summary>Drives a <c>dp-train</c> job: places the logical workers, sums their gradients in worker order, steps
/// Adam, checkpoints, and at the end tests the model and sends its file to the client as <see cref="ModelStream"/>.</summary>
public sealed class DpTrainDriver : JobDriver
{
    /// <summary>The output stream carrying the model file's bytes.</summary>
    public const string ModelStream = "dp-model";

    private const int CheckpointEvery = 20;
    private readonly DpTrainJobSpec _job;
    private readonly DpTrainer _trainer;
    private readonly double[]?[] _gradients;
    private readonly double[] _losses;
    private DpTrainCheckpoint _state;

    /// <summary>Creates the driver, from the job's checkpoint when it has one.</summary>
    public DpTrainDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<DpTrainJobSpec>(Spec);
        _trainer = new DpTrainer(_job.Settings, _job.Training.Select(s => s.ToSystem()).ToArray());
        var workers = _job.Settings.LogicalWorkers;
        _gradients = new double[workers][];
        _losses = new double[workers];
        var count = _trainer.InitialParameters.Length;
        _state = StartCheckpoint is { } bytes
            ? MessagePackSerializer.Deserialize<DpTrainCheckpoint>(bytes, Workload.PayloadOptions)
            : new DpTrainCheckpoint(0, _trainer.InitialParameters, new double[count], new double[count], double.NaN);
        Receive<DpTrainGradients>(OnGradients);
        Receive<DpTrainStageFailed>(f =>
        {
            if (f.Generation == Generation)
            {
                Fail($"step {f.Step}: {f.Error}");
            }
        });
    }

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_state.Step, _job.Settings.Steps);

    /// <inheritdoc />
    protected override void OnPlaced() => Issue();

    /// <inheritdoc />
    protected override void OnRestart() => Issue();

    /// <inheritdoc />
    protected override void PostStop()
    {
        _trainer.Dispose();
        base.PostStop();
    }

    private void OnGradients(DpTrainGradients g)
    {
        if (g.Generation != Generation || g.Step != _state.Step)
        {
            return;
        }
        for (var k = 0; k < g.Workers.Length; k++)
        {
            _gradients[g.Workers[k]] = g.Gradients[k];
            _losses[g.Workers[k]] = g.Losses[k];
        }
        if (_gradients.Any(x => x is null))
        {
            return;
        }
        // Worker order: the same sum on any placement.
        var sum = new double[_state.Parameters.Length];
        var loss = 0.0;
        for (var w = 0; w < _gradients.Length; w++)
        {
            DpTrainer.Accumulate(sum, _gradients[w]!);
            loss += _losses[w];
        }
        var parameters = _state.Parameters.ToArray();
        var adam = new DpAdam(_state.M.ToArray(), _state.V.ToArray(), _state.Step);
        adam.Step(parameters, sum, _job.Settings.LearningRate(_state.Step));
        _state = new DpTrainCheckpoint(_state.Step + 1, parameters, adam.M, adam.V, loss);
        if (_state.Step % CheckpointEvery == 0 || _state.Step == _job.Settings.Steps)
        {
            Replicate(_state.Step, MessagePackSerializer.Serialize(_state, Workload.PayloadOptions));
        }
        Progress(_state.Step, _job.Settings.Steps, new() { ["loss"] = loss, ["lr"] = _job.Settings.LearningRate(_state.Step - 1) }, "");
        Issue();
    }

    private void Issue()
    {
        if (_state.Step == _job.Settings.Steps)
        {
            Finish();
            return;
        }
        NewGeneration();
        Array.Clear(_gradients);
        foreach (var (agent, workers) in Place(_job.Settings.LogicalWorkers))
        {
            agent.Tell(new DpTrainWork(JobId, Generation, _state.Step, _state.Parameters, workers));
        }
        ArmStepTimeout();
    }

    private void Finish()
    {
        var model = _trainer.Model;
        model.Parameters = _state.Parameters;
        var tested = _job.Holdout is { Length: > 0 } ? _job.Holdout : _job.Training;
        var metrics = DpTrainer.Test(model, tested.Select(s => s.ToSystem()).ToArray());
        var file = DpModelFile.ToBytes(model);
        Output(ModelStream, file);
        var inputs = new DpTrainInputs(_job.Settings, _job.Training.Select(s => s.Name).ToArray(), (_job.Holdout ?? []).Select(s => s.Name).ToArray(),
            _job.Training.Sum(s => s.FrameCount), (_job.Holdout ?? []).Sum(s => s.FrameCount));
        Complete(new DpTrainResult(DpTrainWorkload.Verb, _state.Step, _state.Loss, metrics.EnergyRmsePerAtom, metrics.ForceRmse, metrics.ForceStd,
            metrics.VirialRmse, metrics.Frames, model.ParameterCount, Convert.ToHexStringLower(SHA256.HashData(file)),
            _job.Settings.LogicalWorkers, PlacementChanges, inputs));
    }
}
