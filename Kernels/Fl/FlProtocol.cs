using MessagePack;

namespace Dataflow.Kernels.Fl;

/// <summary>Server to institute (Flower's FitIns): train from these weights this round.</summary>
/// <param name="Weights">The shared parameters (FedBN leaves out the normalisation layers; local-only sends none).</param>
[MessagePackObject]
public sealed record FitInstruction(
    [property: Key(0)] int Round,
    [property: Key(1)] int Institute,
    [property: Key(2)] FlWeights Weights,
    [property: Key(3)] FitConfig Config);

/// <summary>The local training a <see cref="FitInstruction"/> asks for.</summary>
/// <param name="ProximalMu">FedProx's mu; 0 for none.</param>
/// <param name="Vfda">Whether VFDA re-normalises encoder features.</param>
/// <param name="Variance">The server's inter-institute feature variance (VFDA), null before the first aggregation.</param>
[MessagePackObject]
public sealed record FitConfig(
    [property: Key(0)] int LocalEpochs,
    [property: Key(1)] double LearningRate,
    [property: Key(2)] double ProximalMu,
    [property: Key(3)] bool Vfda,
    [property: Key(4)] FeatureVariance? Variance);

/// <summary>Institute to server (Flower's FitRes): the trained shared parameters, the sample count, the mean training
/// loss and, with VFDA, the institute's running feature means.</summary>
[MessagePackObject]
public sealed record FitResult(
    [property: Key(0)] int Round,
    [property: Key(1)] int Institute,
    [property: Key(2)] FlWeights Weights,
    [property: Key(3)] int Samples,
    [property: Key(4)] double Loss,
    [property: Key(5)] FeatureStatistics? Statistics,
    [property: Key(6)] double Seconds);

/// <summary>Server to institute (Flower's EvaluateIns): measure these weights on the held-out volumes.</summary>
[MessagePackObject]
public sealed record EvaluateInstruction(
    [property: Key(0)] int Round,
    [property: Key(1)] int Institute,
    [property: Key(2)] FlWeights Weights);

/// <summary>Institute to server (Flower's EvaluateRes): the mean Dice and loss over its held-out volumes.</summary>
[MessagePackObject]
public sealed record EvaluateResult(
    [property: Key(0)] int Round,
    [property: Key(1)] int Institute,
    [property: Key(2)] int Samples,
    [property: Key(3)] double Dice,
    [property: Key(4)] double Loss);

/// <summary>A round's evaluation: the Dice of every institute (NaN where it did not report) and their mean.</summary>
public sealed record EvaluateSummary(double MeanDice, double[] DicePerInstitute);
