using Dataflow.Kernels.Md.Bonded;

namespace Dataflow.Kernels.Md.Domains;

/// <summary><see cref="HarmonicBonds"/> (LAMMPS <c>bond_style harmonic</c>) on the domains: the force on one of a bond's
/// atoms, half the energy and half the virial.</summary>
public sealed class DomainHarmonicBonds(HarmonicBonds bonds) : IDomainBondedStyle
{
    private readonly HarmonicBonds _bonds = bonds ?? throw new ArgumentNullException(nameof(bonds));

    /// <inheritdoc/>
    public string Name => _bonds.Name;

    /// <inheritdoc/>
    public BondedEnergyKind Kind => BondedEnergyKind.Bond;

    /// <inheritdoc/>
    public int AtomsPerTerm => 2;

    /// <inheritdoc/>
    public int TermCount => _bonds.Bonds.Count;

    /// <inheritdoc/>
    public void TermAtoms(int term, Span<int> ids)
    {
        var (_, a, b) = _bonds.Bonds[term];
        ids[0] = a;
        ids[1] = b;
    }

    /// <inheritdoc/>
    public double Compute(int term, int member, ReadOnlySpan<double> positions, ReadOnlySpan<int> types,
        ReadOnlySpan<double> charges, Span<double> force, Span<double> virial)
    {
        var dx = positions[0] - positions[3];
        var dy = positions[1] - positions[4];
        var dz = positions[2] - positions[5];
        var (k, r0) = _bonds.Coefficients(_bonds.Bonds[term].Type);
        var (fbond, ebond) = HarmonicBonds.Term(k, r0, dx, dy, dz);
        DomainPairTerm.Tally(member, fbond, dx, dy, dz, force, virial);
        return 0.5 * ebond;
    }
}
