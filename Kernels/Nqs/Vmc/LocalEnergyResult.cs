namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Complex local energies E_loc(x) of a range of unique samples.</summary>
/// <param name="Range">The samples, indices into the <see cref="SampleResult"/>.</param>
/// <param name="RealHartree">Re E_loc of sample <c>Range.Start + i</c> at index i.</param>
/// <param name="ImaginaryHartree">Im E_loc, same layout.</param>
/// <param name="ConnectedElements">Off-diagonal pairs (x, x') with nonzero H(x, x') generated: the work measure
/// for throughput figures, equal in both modes.</param>
/// <param name="Inferred">Distinct configurations evaluated by the wavefunction (0 in sample-space mode).</param>
public sealed record LocalEnergyResult(
    SampleRange Range, double[] RealHartree, double[] ImaginaryHartree, long ConnectedElements, int Inferred);
