namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Outcome of a <see cref="VmcOptimizer"/> run.</summary>
/// <param name="EnergyHartree">Mean of the sample energies of the last <paramref name="AveragedIterations"/> iterations.</param>
/// <param name="StandardErrorHartree">sqrt(sum_i SE_i^2) / M over those M iterations, SE_i the naive error of
/// iteration i (independent samples; the drift of the parameters over the window is not included).</param>
/// <param name="AveragedIterations">M.</param>
/// <param name="History">Every iteration.</param>
/// <param name="Parameters">Final flat parameters (<see cref="FlatParameters"/> layout).</param>
/// <param name="Seconds">Wall time of the run.</param>
public sealed record VmcResult(
    double EnergyHartree, double StandardErrorHartree, int AveragedIterations, IReadOnlyList<VmcIteration> History,
    double[] Parameters, double Seconds);
