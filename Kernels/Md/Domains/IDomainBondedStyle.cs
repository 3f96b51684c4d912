namespace Dataflow.Kernels.Md.Domains;

/// <summary>Which thermo sum a bonded style's energy goes to, besides the potential energy.</summary>
public enum BondedEnergyKind
{
    /// <summary>LAMMPS' <c>ebond</c>.</summary>
    Bond,

    /// <summary>LAMMPS' <c>eangle</c>.</summary>
    Angle,

    /// <summary>A Lennard-Jones pair term (special-bond scaling): part of <c>evdwl</c>.</summary>
    Pair,

    /// <summary>A real-space Coulomb pair term (special-bond scaling): part of <c>ecoul</c>.</summary>
    Coulomb,
}

/// <summary>Interactions among a few atoms named by id (bonds, angles, special pairs; later dihedrals or a DPLR
/// Wannier centre's atoms), evaluated on the domains by <see cref="DomainBondedTerms"/>: for each owned atom, each term it
/// belongs to gives that atom's force and its share of the term's energy and virial.</summary>
/// <remarks>A term is evaluated once for every member its domain owns, with the members' images nearest to that member;
/// so no force travels back to a ghost's owner, and an atom's force is the same bits on any decomposition.</remarks>
public interface IDomainBondedStyle
{
    /// <summary>Style name, e.g. <c>bond/harmonic</c>.</summary>
    string Name { get; }

    /// <summary>The thermo sum of the energy.</summary>
    BondedEnergyKind Kind { get; }

    /// <summary>Atoms of every term.</summary>
    int AtomsPerTerm { get; }

    /// <summary>Number of terms.</summary>
    int TermCount { get; }

    /// <summary>The ids of term <paramref name="term"/>'s atoms, in the style's order.</summary>
    void TermAtoms(int term, Span<int> ids);

    /// <summary>The force on member <paramref name="member"/> of term <paramref name="term"/>, its share of the term's
    /// energy and of its virial (xx yy zz xy xz yz).</summary>
    /// <param name="term">Term index.</param>
    /// <param name="member">Which of the term's atoms the force acts on.</param>
    /// <param name="positions">The members' positions (3 each, term order), images nearest the member.</param>
    /// <param name="types">The members' types.</param>
    /// <param name="charges">The members' charges; empty for an uncharged system.</param>
    /// <param name="force">The member's force; added to.</param>
    /// <param name="virial">The member's share of the virial; added to.</param>
    /// <returns>The member's share of the energy.</returns>
    double Compute(int term, int member, ReadOnlySpan<double> positions, ReadOnlySpan<int> types, ReadOnlySpan<double> charges,
        Span<double> force, Span<double> virial);
}

/// <summary>What two-atom bonded styles add for one member: the pair force along the separation and half the pair
/// virial (LAMMPS' <c>Bond::ev_tally</c> split evenly between the two atoms).</summary>
internal static class DomainPairTerm
{
    /// <summary>Adds member <paramref name="member"/>'s force <c>+/- fpair (dx, dy, dz)</c> (plus on member 0, the
    /// separation pointing from member 1 to 0) and half of <c>fpair dx dx ...</c> to its virial.</summary>
    public static void Tally(int member, double fpair, double dx, double dy, double dz, Span<double> force, Span<double> virial)
    {
        var f = member == 0 ? fpair : -fpair;
        force[0] += dx * f;
        force[1] += dy * f;
        force[2] += dz * f;
        var half = 0.5 * fpair;
        virial[0] += dx * dx * half;
        virial[1] += dy * dy * half;
        virial[2] += dz * dz * half;
        virial[3] += dx * dy * half;
        virial[4] += dx * dz * half;
        virial[5] += dy * dz * half;
    }
}
