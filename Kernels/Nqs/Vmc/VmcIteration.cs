namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>One optimisation step of <see cref="VmcOptimizer"/>.</summary>
/// <param name="Iteration">0-based step.</param>
/// <param name="Statistics">Energy statistics of this step's sample (before the update).</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="ConnectedElements">Connected pairs in the local energies.</param>
/// <param name="SamplingSeconds">Wall time sampling.</param>
/// <param name="LocalEnergySeconds">Wall time of local energies.</param>
/// <param name="GradientSeconds">Wall time of the gradient and the optimiser step.</param>
public sealed record VmcIteration(
    int Iteration, EnergyStatistics Statistics, double LearningRate, long ConnectedElements,
    double SamplingSeconds, double LocalEnergySeconds, double GradientSeconds)
{
    /// <summary>Energy of the sample, hartree.</summary>
    public double EnergyHartree => Statistics.EnergyHartree;

    /// <summary>Local-energy variance, hartree squared.</summary>
    public double VarianceHartree2 => Statistics.VarianceHartree2;

    /// <summary>Unique configurations sampled.</summary>
    public int Unique => Statistics.Unique;
}
