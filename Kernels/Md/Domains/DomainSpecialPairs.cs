using Dataflow.Kernels.Md.Bonded;

namespace Dataflow.Kernels.Md.Domains;

/// <summary><see cref="SpecialBonds"/> (LAMMPS <c>special_bonds</c>) on the domains: the LJ or the Coulomb correction of
/// a 1-2, 1-3 or 1-4 pair added to the force of one of its atoms (the pair loop computed the whole pair), half the energy
/// and half the virial, counted in <c>evdwl</c> or <c>ecoul</c>.</summary>
/// <param name="special">The special pairs and their weights.</param>
/// <param name="units">Unit style (the Coulomb constant).</param>
/// <param name="coulomb">The Coulomb correction (true) or the LJ one (false): two styles, so that thermo can tell
/// them apart.</param>
public sealed class DomainSpecialPairs(SpecialBonds special, UnitSystem units, bool coulomb) : IDomainBondedStyle
{
    private readonly SpecialBonds _special = special ?? throw new ArgumentNullException(nameof(special));
    private readonly double _qqrd2e = (units ?? throw new ArgumentNullException(nameof(units))).Qqr2e;

    /// <inheritdoc/>
    public string Name => _special.Name;

    /// <inheritdoc/>
    public BondedEnergyKind Kind => coulomb ? BondedEnergyKind.Coulomb : BondedEnergyKind.Pair;

    /// <inheritdoc/>
    public int AtomsPerTerm => 2;

    /// <inheritdoc/>
    public int TermCount => _special.Pairs.Count;

    /// <inheritdoc/>
    public void TermAtoms(int term, Span<int> ids)
    {
        var (a, b, _, _) = _special.Pairs[term];
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
        var (_, _, wLj, wCoul) = _special.Pairs[term];
        var charged = charges.Length > 0;
        var (fpair, e) = _special.Correction(types[0], types[1], charged ? charges[0] : 0.0, charged ? charges[1] : 0.0,
            dx * dx + dy * dy + dz * dz, coulomb ? 1.0 : wLj, coulomb ? wCoul : 1.0, charged, _qqrd2e);
        DomainPairTerm.Tally(member, fpair, dx, dy, dz, force, virial);
        return 0.5 * e;
    }
}
