namespace Dataflow.Kernels.Quantum;

/// <summary>What <see cref="ConnectedKernel.Run"/> returns: for each determinant of a batch, one slot per
/// excitation, numbered by <see cref="ExcitationLayout"/>.</summary>
/// <param name="SlotsPerDeterminant">Excitations per determinant.</param>
/// <param name="Determinants">Excited determinant of slot k of ket d at <c>d * SlotsPerDeterminant + k</c>, as
/// <see cref="Determinant64.Bits"/>.</param>
/// <param name="ElementsHartree">&lt;excited|H|ket&gt; at the same index; 0 where symmetry makes it vanish.</param>
public sealed record ConnectedBatch(int SlotsPerDeterminant, ulong[] Determinants, double[] ElementsHartree);
