namespace Dataflow.Kernels.Quantum;

/// <summary>One atom of a <see cref="BundledMolecule"/>.</summary>
/// <param name="Symbol">Element symbol as Psi4 prints it.</param>
/// <param name="XyzAngstrom">Cartesian position, angstrom.</param>
public sealed record BundledAtom(string Symbol, IReadOnlyList<double> XyzAngstrom);
