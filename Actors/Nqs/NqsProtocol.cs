using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;

namespace Dataflow.Actors.Nqs;

/// <summary>Driver to a node's nqs stage: finish the sampling subtrees of these logical samplers with these parameters.</summary>
public sealed record NqsSampleWork(string JobId, int Generation, int Iteration, double[] Parameters, long Samples,
    int[] Samplers, PrefixSet[] Prefixes) : IStageMessage;

/// <summary>Nqs stage to driver: one logical sampler's unique configurations with counts.</summary>
public sealed record NqsSampled(int Generation, int Iteration, int Sampler, SampleResult Samples) : IDataflowMessage;

/// <summary>Driver to a node's nqs stage: local energies of these evaluators' sample ranges.</summary>
public sealed record NqsLocalWork(string JobId, int Generation, int Iteration, double[] Parameters, SampleResult Samples,
    int[] Evaluators, SampleRange[] Ranges) : IStageMessage;

/// <summary>Nqs stage to driver: one evaluator's local energies.</summary>
public sealed record NqsLocalEnergies(int Generation, int Iteration, int Evaluator, LocalEnergyResult Result)
    : IDataflowMessage;

/// <summary>Driver to a node's nqs stage: partial gradients of these evaluators' ranges, with the weights and
/// centred local energies of the whole sample set.</summary>
public sealed record NqsGradientWork(string JobId, int Generation, int Iteration, double[] Parameters, SampleResult Samples,
    double[] Weights, LocalEnergyResult Energies, double Baseline, int[] Evaluators, SampleRange[] Ranges) : IStageMessage;

/// <summary>Nqs stage to driver: one evaluator's partial gradient as exact fixed-point sums (<see cref="GradientSum.ToBits"/>).</summary>
public sealed record NqsGradient(int Generation, int Iteration, int Evaluator, long[] Bits) : IDataflowMessage;

/// <summary>Nqs stage to driver: the work could not be done.</summary>
public sealed record NqsFailed(int Generation, string Node, string Error) : IDataflowMessage;
