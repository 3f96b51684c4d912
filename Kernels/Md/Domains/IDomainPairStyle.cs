namespace Dataflow.Kernels.Md.Domains;

/// <summary>A pair style's loop over one spatial domain: forces (and, when asked, per-atom energy and virial) of the
/// domain's owned atoms from a <see cref="DomainNeighborList"/> over its owned and ghost atoms.</summary>
/// <remarks>
/// <para>Each owned atom sums the pairs of its row in the row's key order and writes only its own output (no
/// Newton's third law), so its result depends on the positions of it and its neighbours alone: the same bits for one
/// domain or many, any storage order and any thread count. Per-atom energy and virial are half of each pair's, as
/// LAMMPS' <c>ev_tally</c> splits them (see <see cref="ForceResult"/>); virial order <c>xx yy zz xy xz yz</c>.</para>
/// <para>Types are counted from 1, as in <see cref="MdSystem"/>.</para>
/// </remarks>
public interface IDomainPairStyle
{
    /// <summary>LAMMPS name of the style, e.g. <c>lj/cut</c>.</summary>
    string Name { get; }

    /// <summary>Largest interaction cutoff, distance units; the list cutoff is this plus the skin.</summary>
    double Cutoff { get; }

    /// <summary>Whether <see cref="Compute"/> needs charges.</summary>
    bool UsesCharges { get; }

    /// <summary>Adds the owned atoms' forces, and the terms <paramref name="result"/> requests, into
    /// <paramref name="result"/>, which the caller zeroed.</summary>
    /// <param name="list">The list, built from these local atoms (positions may have moved since, order not).</param>
    /// <param name="positions">Local positions, interleaved xyz, owned atoms first, ghosts with their image shift.</param>
    /// <param name="types">Local atom types, from 1.</param>
    /// <param name="charges">Local charges when <see cref="UsesCharges"/>, else ignored (may be null).</param>
    /// <param name="result">Covers at least the owned atoms: atom i of the result is owned atom i; entries beyond
    /// the owned atoms are left alone. Totals (<see cref="ForceTerms.Energy"/>, <see cref="ForceTerms.Virial"/>) are
    /// the per-atom values summed in owned-atom order, so unlike the per-atom values they depend on that order.</param>
    /// <exception cref="ArgumentException">Sizes disagree with the list, a type is out of range or charges are
    /// missing.</exception>
    void Compute(DomainNeighborList list, double[] positions, int[] types, double[]? charges, ForceResult result);
}
