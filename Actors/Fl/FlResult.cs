using Dataflow.Actors.Fl;
using Dataflow.Actors.Runtime;

namespace Dataflow.Fl;

/// <summary>The result of an <c>fl</c> job, as written by <c>--json</c>.</summary>
/// <param name="Strategy">fedavg, fedprox, fedbn or local.</param>
/// <param name="Vfda">Whether VFDA re-normalised the encoder features during local training.</param>
/// <param name="Rounds">Federated rounds completed.</param>
/// <param name="MeanDice">Mean held-out Dice over the institutes that reported in the last round.</param>
/// <param name="DicePerInstitute">The last round's held-out Dice of each institute (null where it did not report).</param>
/// <param name="RoundSeconds">Wall time of each round, from asking the institutes to fit to the last evaluation.</param>
/// <param name="Institutes">The institutes' names, in index order.</param>
/// <param name="History">Every round's figures.</param>
/// <param name="WeightsSha256">SHA-256 of the final global weights: equal runs, equal bits.</param>
/// <param name="PlacementChanges">How often institutes were re-placed because cluster membership changed.</param>
/// <param name="Inputs">The job as run.</param>
public sealed record FlResult(
    string Workload,
    string Strategy,
    bool Vfda,
    int Rounds,
    double MeanDice,
    double?[] DicePerInstitute,
    double[] RoundSeconds,
    string[] Institutes,
    FlRoundResult[] History,
    string WeightsSha256,
    int PlacementChanges,
    FlInputs Inputs) : WorkloadResult;

/// <summary>One round of an <c>fl</c> job.</summary>
/// <param name="Round">1-based round.</param>
/// <param name="MeanDice">Mean held-out Dice of the institutes that reported.</param>
/// <param name="DicePerInstitute">Held-out Dice per institute (null where it did not report).</param>
/// <param name="MeanLoss">Mean local training loss of the institutes that trained.</param>
/// <param name="Seconds">The round's wall time.</param>
/// <param name="SlowestLocalSeconds">The longest local training an institute reported (its own clock).</param>
/// <param name="Trained">Institutes whose training made it into the aggregate.</param>
/// <param name="LocalSeconds">Each institute's local training time on its own clock (null where it did not train).</param>
public sealed record FlRoundResult(
    int Round,
    double MeanDice,
    double?[] DicePerInstitute,
    double MeanLoss,
    double Seconds,
    double SlowestLocalSeconds,
    int[] Trained,
    double?[] LocalSeconds);

/// <summary>The options an <c>fl</c> job ran with.</summary>
public sealed record FlInputs(
    int Institutes,
    string Strategy,
    bool Vfda,
    int Rounds,
    int LocalEpochs,
    string Data,
    long Seed,
    int Side,
    int BaseChannels,
    int TrainVolumes,
    int TestVolumes,
    int Batch,
    double LearningRate,
    double ProximalMu,
    string Optimizer,
    int IntraOpThreads,
    double RoundDeadlineSeconds)
{
    /// <summary>The inputs of <paramref name="job"/>.</summary>
    public static FlInputs Of(FlJobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var s = job.Settings;
        return new FlInputs(s.Institutes, FlWorkload.StrategyName(s.Strategy), s.Vfda, s.Rounds, s.LocalEpochs,
            s.HostedData ? "hosts" : s.DataDirectory is null ? "synthetic" : Path.GetFileName(Path.TrimEndingDirectorySeparator(s.DataDirectory)),
            s.Seed, s.Side, s.BaseChannels, s.TrainVolumes, s.TestVolumes, s.Batch, s.LearningRate, s.ProximalMu,
            s.Optimizer.ToString().ToLowerInvariant(), s.IntraOpThreads, job.RoundDeadlineSeconds);
    }
}
