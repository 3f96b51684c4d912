using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md.DeepPotential;

namespace Dataflow.DpTrain;

/// <summary>The options of a <c>dp-train</c> job as run (the data by name and size, not its numbers).</summary>
/// <param name="Training">Training systems' names.</param>
/// <param name="Holdout">Held-out systems' names (empty: the figures are on the training frames).</param>
public sealed record DpTrainInputs(DpTrainSettings Settings, string[] Training, string[] Holdout, int TrainingFrames, int HoldoutFrames);

/// <summary>The result of a <c>dp-train</c> job, as written by <c>--json</c>: deepmd-kit's <c>dp test</c> figures of
/// the trained model on the held-out frames.</summary>
/// <param name="EnergyRmsePerAtom">RMS of (E - E_ref)/N over held-out frames, eV/atom.</param>
/// <param name="ForceRmse">RMS force error over all components, eV/Angstrom.</param>
/// <param name="ForceStd">Standard deviation of the reference force components, eV/Angstrom.</param>
/// <param name="VirialRmse">RMS of (W - W_ref)/N over frames and components, eV/atom; null without virial labels.</param>
/// <param name="ModelSha256">SHA-256 of the model file's bytes.</param>
public sealed record DpTrainResult(
    string Workload,
    long Steps,
    double FinalLoss,
    double EnergyRmsePerAtom,
    double ForceRmse,
    double ForceStd,
    double? VirialRmse,
    int TestFrames,
    int Parameters,
    string ModelSha256,
    int LogicalWorkers,
    int PlacementChanges,
    DpTrainInputs Inputs) : WorkloadResult;
