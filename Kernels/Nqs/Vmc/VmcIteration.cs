using MessagePack;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>One optimisation step of <see cref="VmcOptimizer"/>.</summary>
/// <param name="Iteration">0-based step.</param>
/// <param name="Statistics">Energy statistics of this step's sample (before the update).</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="ConnectedElements">Connected pairs in the local energies.</param>
/// <param name="SamplingSeconds">Wall time sampling.</param>
/// <param name="LocalEnergySeconds">Wall time of local energies.</param>
/// <param name="GradientSeconds">Wall time of the gradient and the optimiser step.</param>
[MessagePackObject]
public sealed record VmcIteration(
    [property: Key(0)] int Iteration,
    [property: Key(1)] EnergyStatistics Statistics,
    [property: Key(2)] double LearningRate,
    [property: Key(3)] long ConnectedElements,
    [property: Key(4)] double SamplingSeconds,
    [property: Key(5)] double LocalEnergySeconds,
    [property: Key(6)] double GradientSeconds)
{
    /// <summary>Energy of the sample, hartree.</summary>
    [IgnoreMember]
    public double EnergyHartree => Statistics.EnergyHartree;

    /// <summary>Local-energy variance, hartree squared.</summary>
    [IgnoreMember]
    public double VarianceHartree2 => Statistics.VarianceHartree2;

    /// <summary>Unique configurations sampled.</summary>
    [IgnoreMember]
    public int Unique => Statistics.Unique;
}
