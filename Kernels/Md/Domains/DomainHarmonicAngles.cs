using Dataflow.Kernels.Md.Bonded;

namespace Dataflow.Kernels.Md.Domains;

/// <summary><see cref="HarmonicAngles"/> (LAMMPS <c>angle_style harmonic</c>) on the domains: the force on one of an
/// angle's atoms, a third of the energy and a third of the virial.</summary>
public sealed class DomainHarmonicAngles(HarmonicAngles angles) : IDomainBondedStyle
{
    private readonly HarmonicAngles _angles = angles ?? throw new ArgumentNullException(nameof(angles));

    /// <inheritdoc/>
    public string Name => _angles.Name;

    /// <inheritdoc/>
    public BondedEnergyKind Kind => BondedEnergyKind.Angle;

    /// <inheritdoc/>
    public int AtomsPerTerm => 3;

    /// <inheritdoc/>
    public int TermCount => _angles.Angles.Count;

    /// <inheritdoc/>
    public void TermAtoms(int term, Span<int> ids)
    {
        var (_, a, b, c) = _angles.Angles[term];
        ids[0] = a;
        ids[1] = b;
        ids[2] = c;
    }

    /// <inheritdoc/>
    public double Compute(int term, int member, ReadOnlySpan<double> positions, ReadOnlySpan<int> types,
        ReadOnlySpan<double> charges, Span<double> force, Span<double> virial)
    {
        var delx1 = positions[0] - positions[3];
        var dely1 = positions[1] - positions[4];
        var delz1 = positions[2] - positions[5];
        var delx2 = positions[6] - positions[3];
        var dely2 = positions[7] - positions[4];
        var delz2 = positions[8] - positions[5];
        var (k, theta0) = _angles.Coefficients(_angles.Angles[term].Type);
        var (f1x, f1y, f1z, f3x, f3y, f3z, eangle) = HarmonicAngles.Term(k, theta0, delx1, dely1, delz1, delx2, dely2, delz2);
        switch (member)
        {
            case 0:
                force[0] += f1x;
                force[1] += f1y;
                force[2] += f1z;
                break;
            case 1:
                force[0] -= f1x + f3x;
                force[1] -= f1y + f3y;
                force[2] -= f1z + f3z;
                break;
            default:
                force[0] += f3x;
                force[1] += f3y;
                force[2] += f3z;
                break;
        }
        // Angle::ev_tally: a third of the virial to each atom.
        const double third = 1.0 / 3.0;
        virial[0] += third * (delx1 * f1x + delx2 * f3x);
        virial[1] += third * (dely1 * f1y + dely2 * f3y);
        virial[2] += third * (delz1 * f1z + delz2 * f3z);
        virial[3] += third * (delx1 * f1y + delx2 * f3y);
        virial[4] += third * (delx1 * f1z + delx2 * f3z);
        virial[5] += third * (dely1 * f1z + dely2 * f3z);
        return eangle / 3.0;
    }
}
