using Dataflow.Kernels.Numerics;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The short-range forces of one domain: a full neighbour list over its owned and ghost atoms and a
/// pair loop that sums each owned atom's pairs in the order of the atoms' canonical keys.</summary>
/// <remarks>Because every owned atom's force is a sum over the same pairs, in the same order, computed from
/// the same position bits whatever the decomposition, forces do not depend on how atoms are split into
/// domains, how they are stored, or how many threads run the loop.</remarks>
public interface IDomainForceField
{
    /// <summary>Pair style name, e.g. <c>lj/cut</c>.</summary>
    string Name { get; }

    /// <summary>The largest interaction cutoff, distance units.</summary>
    double Cutoff { get; }

    /// <summary>Builds the neighbour list of the <paramref name="owned"/> first atoms over all
    /// <paramref name="count"/> local atoms, pairs closer than <paramref name="listCutoff"/>, each atom's
    /// neighbours sorted by <paramref name="keys"/>.</summary>
    void Build(ReadOnlySpan<double> positions, int count, int owned, ReadOnlySpan<long> keys, double listCutoff);

    /// <summary>Forces on the owned atoms from the list of the last <see cref="Build"/>, at the current
    /// positions; with <paramref name="tally"/>, also per-atom energy and virial (half of each pair).</summary>
    /// <param name="positions">Local positions (owned, then ghosts), interleaved xyz; may be longer than needed.</param>
    /// <param name="types">Local atom types, from 1; may be longer.</param>
    /// <param name="charges">Local charges, or null for an uncharged system; may be longer.</param>
    /// <param name="owned">Owned atoms.</param>
    /// <param name="tally">Also compute per-atom energy and virial.</param>
    /// <param name="forces">3 per owned atom; overwritten.</param>
    /// <param name="energy">1 per owned atom; overwritten when <paramref name="tally"/>.</param>
    /// <param name="virial">6 per owned atom (xx yy zz xy xz yz); overwritten when <paramref name="tally"/>.</param>
    void Compute(double[] positions, int[] types, double[]? charges, int owned,
        bool tally, Span<double> forces, Span<double> energy, Span<double> virial);

    /// <summary>Neighbour entries of the last build (the work of a force evaluation).</summary>
    long PairCount { get; }

    /// <summary>The real-space Coulomb part of the owned atoms' energy at the last tallied <see cref="Compute"/>
    /// (LAMMPS' <c>ecoul</c>), exact; zero for a style without charges.</summary>
    ExactSum CoulombEnergy { get; }
}
