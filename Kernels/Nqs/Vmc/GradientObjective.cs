namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>What an iteration's update direction is the weighted gradient of (<see cref="VmcOptimizer.Objective"/>):
/// per unique sample a weight and a local energy, and the baseline subtracted from the energies.</summary>
public sealed record GradientObjective(double[] Weights, LocalEnergyResult Energies, double BaselineHartree);
