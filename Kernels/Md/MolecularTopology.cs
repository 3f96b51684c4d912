namespace Dataflow.Kernels.Md;

/// <summary>The bonds and angles of a LAMMPS data file (<c>Bonds</c>, <c>Angles</c>, <c>Bond Coeffs</c> and
/// <c>Angle Coeffs</c> sections), by atom id.</summary>
/// <param name="BondTypeCount">Bond types declared in the header.</param>
/// <param name="AngleTypeCount">Angle types declared in the header.</param>
/// <param name="Bonds">Each bond: its type (1-based) and the ids of its two atoms.</param>
/// <param name="Angles">Each angle: its type and the ids of its three atoms, the vertex second.</param>
/// <param name="BondCoefficients">The <c>Bond Coeffs</c> lines after the type (<c>K r0</c> for harmonic), index type - 1,
/// or null without the section.</param>
/// <param name="AngleCoefficients">The <c>Angle Coeffs</c> lines after the type (<c>K theta0</c>), or null.</param>
public sealed record MolecularTopology(
    int BondTypeCount,
    int AngleTypeCount,
    (int Type, int Atom1, int Atom2)[] Bonds,
    (int Type, int Atom1, int Atom2, int Atom3)[] Angles,
    string[]? BondCoefficients,
    string[]? AngleCoefficients)
{
    /// <summary>Whether there is anything bonded at all.</summary>
    public bool IsEmpty => Bonds.Length == 0 && Angles.Length == 0;
}
