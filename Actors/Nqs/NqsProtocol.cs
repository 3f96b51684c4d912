using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using MessagePack;

namespace Dataflow.Actors.Nqs;

/// <summary>Driver to a node's nqs stage: finish the sampling subtrees of these logical samplers with these parameters.</summary>
[MessagePackObject]
public sealed record NqsSampleWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int Iteration,
    [property: Key(3)] double[] Parameters,
    [property: Key(4)] long Samples,
    [property: Key(5)] int[] Samplers,
    [property: Key(6)] PrefixSet[] Prefixes) : IStageMessage;

/// <summary>Nqs stage to driver: one logical sampler's unique configurations with counts.</summary>
[MessagePackObject]
public sealed record NqsSampled(
    [property: Key(0)] int Generation,
    [property: Key(1)] int Iteration,
    [property: Key(2)] int Sampler,
    [property: Key(3)] SampleResult Samples) : IDataflowMessage;

/// <summary>Driver to a node's nqs stage: local energies of these evaluators' sample ranges.</summary>
[MessagePackObject]
public sealed record NqsLocalWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int Iteration,
    [property: Key(3)] double[] Parameters,
    [property: Key(4)] SampleResult Samples,
    [property: Key(5)] int[] Evaluators,
    [property: Key(6)] SampleRange[] Ranges) : IStageMessage;

/// <summary>Nqs stage to driver: one evaluator's local energies.</summary>
[MessagePackObject]
public sealed record NqsLocalEnergies(
    [property: Key(0)] int Generation,
    [property: Key(1)] int Iteration,
    [property: Key(2)] int Evaluator,
    [property: Key(3)] LocalEnergyResult Result)
    : IDataflowMessage;

/// <summary>Driver to a node's nqs stage: partial gradients of these evaluators' ranges, with the weights and
/// centred local energies of the whole sample set.</summary>
[MessagePackObject]
public sealed record NqsGradientWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int Iteration,
    [property: Key(3)] double[] Parameters,
    [property: Key(4)] SampleResult Samples,
    [property: Key(5)] double[] Weights,
    [property: Key(6)] LocalEnergyResult Energies,
    [property: Key(7)] double Baseline,
    [property: Key(8)] int[] Evaluators,
    [property: Key(9)] SampleRange[] Ranges) : IStageMessage;

/// <summary>Nqs stage to driver: one evaluator's partial gradient as exact fixed-point sums (<see cref="GradientSum.ToBits"/>).</summary>
[MessagePackObject]
public sealed record NqsGradient(
    [property: Key(0)] int Generation,
    [property: Key(1)] int Iteration,
    [property: Key(2)] int Evaluator,
    [property: Key(3)] long[] Bits) : IDataflowMessage;

/// <summary>Nqs stage to driver: the work could not be done.</summary>
[MessagePackObject]
public sealed record NqsFailed(
    [property: Key(0)] int Generation,
    [property: Key(1)] string Node,
    [property: Key(2)] string Error) : IDataflowMessage;
