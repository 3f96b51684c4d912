namespace Dataflow.Kernels.Md;

/// <summary>Any source of forces in a simulation: a pair style such as <see cref="LennardJonesCut"/>, a
/// neural-network potential (Deep Potential), a long-range electrostatics solver (Ewald, PPPM), an external
/// field.</summary>
/// <remarks>
/// <para>Contract: <see cref="Compute"/> adds this provider's contribution into <c>result</c>, which the caller
/// has zeroed (<see cref="ForceResult.Clear"/>): forces always, and the total energy, total virial, per-atom
/// energy and per-atom virial that <see cref="ForceResult.Requested"/> asks for (see <see cref="ForceResult"/>
/// for units and conventions). Because a provider only adds, the sum of several providers' results is the
/// total: a simulation gives each provider its own result and sums them (so that each provider's energy can
/// be reported), or lets several add into one. A provider that cannot split its energy or virial per atom
/// (a reciprocal-space sum) leaves the per-atom arrays alone and says so in its documentation.</para>
/// <para>Neighbours: a provider that needs a neighbour list returns a <see cref="NeighborRequest"/> from
/// <see cref="Neighbors"/>; the simulation then passes a list of that kind whose cutoff is at least the
/// requested cutoff plus the skin, rebuilt on LAMMPS' schedule. Pairs are stored with the periodic image of the
/// neighbour (see <see cref="NeighborList"/>). A provider that needs none (reciprocal space, an external field)
/// returns null and receives null.</para>
/// <para>Positions: between list builds atoms may lie slightly outside the box; a provider that works in the
/// box (a mesh, Ewald's structure factors) wraps coordinates itself. The provider must not change the state.</para>
/// <para>Threads: Compute is called from one thread at a time; it may use threads internally.</para>
/// </remarks>
public interface IForceProvider
{
    /// <summary>Short name for thermo columns and logs, e.g. <c>lj/cut</c>.</summary>
    string Name { get; }

    /// <summary>The neighbour list this provider needs, or null for none.</summary>
    NeighborRequest? Neighbors { get; }

    /// <summary>Adds this provider's forces, and the requested energies and virials, into
    /// <paramref name="result"/>.</summary>
    /// <param name="state">Positions, types, charges, box and units; read only.</param>
    /// <param name="list">The list requested through <see cref="Neighbors"/>, or null when none was.</param>
    /// <param name="result">Zeroed by the caller; sized for <paramref name="state"/>'s atoms.</param>
    void Compute(MdState state, NeighborList? list, ForceResult result);
}
