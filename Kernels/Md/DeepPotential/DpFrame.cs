namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>One configuration: positions in Angstrom [atom, 3] and box vectors as rows (9 numbers, null for an open
/// system). Atom types belong to the system the frame is part of.</summary>
public sealed record DpFrame(double[] Positions, double[]? Box);

/// <summary>Energy (eV), forces (eV/Angstrom, [atom, 3]) and virial (eV, 3x3 row-major, W = -dE/d(strain)) of a frame.</summary>
public sealed record DpEvaluation(double Energy, double[] Forces, double[] Virial);
