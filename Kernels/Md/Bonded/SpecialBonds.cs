namespace Dataflow.Kernels.Md.Bonded;

/// <summary>LAMMPS <c>special_bonds lj W12 W13 W14 coul W12 W13 W14</c> for a pair style that computed every pair in
/// full: for each 1-2, 1-3 and 1-4 pair of the bond graph within the cutoffs, adds -(1 - w) times its LJ term and
/// -(1 - w) times its unscreened Coulomb term, so that the sum is LAMMPS' scaled pair (for a long-range Coulomb
/// style, the Ewald/PPPM exclusion correction: the k-space sum still holds the whole pair).</summary>
/// <remarks>
/// <para>As LAMMPS' pair_lj_cut_coul_long.cpp with factor_lj and factor_coul &lt; 1: the LJ energy
/// r^-6 (lj3 r^-6 - lj4) - offset and force r^-6 (lj1 r^-6 - lj2) / r^2 are scaled by w; the Coulomb force gets
/// -(1 - w) qqrd2e qi qj / r / r^2 and the energy -(1 - w) qqrd2e qi qj / r, inside the Coulomb cutoff only. The
/// special lists are built as Special::build does: 1-2 the bonded partners, 1-3 their partners, 1-4 the partners
/// of those, each list without the atom itself or an atom already nearer in the graph.</para>
/// <para>A correction term rather than a factor inside the pair loops, so that every pair kernel (half list, full
/// list, accelerator) stays as it is; the sum differs from LAMMPS' in-loop scaling by rounding only.</para>
/// </remarks>
public sealed class SpecialBonds : IForceProvider
{
    private readonly (int Id1, int Id2, double WLj, double WCoul)[] _pairs;
    private readonly Func<int, int, (double Epsilon, double Sigma, double Cutoff)> _lj;
    private readonly bool _shift;
    private readonly double _coulombCutoff;
    private readonly BondedAtoms _atoms = new();

    /// <summary>The special pairs of <paramref name="topology"/>'s bonds with weights <paramref name="ljWeights"/> and
    /// <paramref name="coulombWeights"/> (1-2, 1-3, 1-4 each), for LJ coefficients <paramref name="lj"/> (by type pair,
    /// after mixing), <paramref name="shift"/> (<c>pair_modify shift</c>) and a Coulomb cutoff
    /// (<paramref name="coulombCutoff"/>, 0 without charges).</summary>
    public SpecialBonds(MolecularTopology topology, double[] ljWeights, double[] coulombWeights,
        Func<int, int, (double Epsilon, double Sigma, double Cutoff)> lj, bool shift, double coulombCutoff)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(ljWeights);
        ArgumentNullException.ThrowIfNull(coulombWeights);
        ArgumentNullException.ThrowIfNull(lj);
        if (ljWeights.Length != 3 || coulombWeights.Length != 3 || ljWeights.Concat(coulombWeights).Any(w => !(w >= 0 && w <= 1)))
        {
            throw new ArgumentException("special_bonds takes three lj and three coul weights, each in [0, 1]");
        }
        _lj = lj;
        _shift = shift;
        _coulombCutoff = coulombCutoff;
        _pairs = SpecialPairs(topology)
            .Select(p => (p.Id1, p.Id2, ljWeights[p.Level - 1], coulombWeights[p.Level - 1]))
            .Where(p => p.Item3 != 1.0 || p.Item4 != 1.0)
            .ToArray();
    }

    /// <summary>For <c>lj/cut/coul/long</c>: its coefficients, shift and Coulomb cutoff.</summary>
    public static SpecialBonds For(Coulomb.LennardJonesCutCoulombLong pair, MolecularTopology topology, double[] ljWeights, double[] coulombWeights)
    {
        ArgumentNullException.ThrowIfNull(pair);
        return new SpecialBonds(topology, ljWeights, coulombWeights,
            (i, j) => (pair.Epsilon(i, j), pair.Sigma(i, j), pair.LjCutoff(i, j)), pair.Shift, pair.CoulombCutoffDistance);
    }

    /// <summary>For <c>lj/cut</c> (no Coulomb term).</summary>
    public static SpecialBonds For(LennardJonesCut pair, MolecularTopology topology, double[] ljWeights)
    {
        ArgumentNullException.ThrowIfNull(pair);
        return new SpecialBonds(topology, ljWeights, [1.0, 1.0, 1.0],
            (i, j) => (pair.Epsilon(i, j), pair.Sigma(i, j), pair.Cutoff(i, j)), pair.Shift, 0.0);
    }

    /// <summary>The 1-2, 1-3 and 1-4 pairs (level 1, 2, 3) of the bond graph, each once, lower id first.</summary>
    public static IReadOnlyList<(int Id1, int Id2, int Level)> SpecialPairs(MolecularTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var partners = new SortedDictionary<int, SortedSet<int>>();
        foreach (var (_, a, b) in topology.Bonds)
        {
            Partners(a).Add(b);
            Partners(b).Add(a);
        }
        SortedSet<int> Partners(int id) => partners.TryGetValue(id, out var set) ? set : partners[id] = [];
        var pairs = new List<(int, int, int)>();
        foreach (var (id, s12) in partners)
        {
            var seen = new HashSet<int>(s12) { id };
            var s13 = new SortedSet<int>(s12.SelectMany(p => partners[p]).Where(p => !seen.Contains(p)));
            seen.UnionWith(s13);
            var s14 = new SortedSet<int>(s13.SelectMany(p => partners[p]).Where(p => !seen.Contains(p)));
            foreach (var (set, level) in new[] { (s12, 1), (s13, 2), (s14, 3) })
            {
                pairs.AddRange(set.Where(other => other > id).Select(other => (id, other, level)));
            }
        }
        return pairs;
    }

    /// <inheritdoc/>
    public string Name => "special_bonds";

    /// <summary>The special pairs whose weights are not both 1: ids (lower first) and the LJ and Coulomb weights.</summary>
    public IReadOnlyList<(int Id1, int Id2, double WLj, double WCoul)> Pairs => _pairs;

    /// <summary>The correction of one special pair at squared distance <paramref name="rsq"/>: fpair (the force on the
    /// first atom over x_1 - x_2) and the energy, to add to a pair style that computed the whole pair.</summary>
    public (double FPair, double Energy) Correction(int typeI, int typeJ, double qi, double qj, double rsq, double wLj,
        double wCoul, bool charged, double qqrd2e)
    {
        var r2inv = 1.0 / rsq;
        var fpair = 0.0;
        var e = 0.0;
        var (epsilon, sigma, cutoff) = _lj(typeI, typeJ);
        if (wLj != 1.0 && rsq < cutoff * cutoff)
        {
            // PairLJCut::init_one: lj1..lj4 and the shift offset.
            var s6 = Math.Pow(sigma, 6.0);
            var s12 = Math.Pow(sigma, 12.0);
            var lj1 = 48.0 * epsilon * s12;
            var lj2 = 24.0 * epsilon * s6;
            var lj3 = 4.0 * epsilon * s12;
            var lj4 = 4.0 * epsilon * s6;
            var ratio = sigma / cutoff;
            var offset = _shift ? 4.0 * epsilon * (Math.Pow(ratio, 12.0) - Math.Pow(ratio, 6.0)) : 0.0;
            var r6inv = r2inv * r2inv * r2inv;
            fpair -= (1.0 - wLj) * r6inv * (lj1 * r6inv - lj2) * r2inv;
            e -= (1.0 - wLj) * (r6inv * (lj3 * r6inv - lj4) - offset);
        }
        if (wCoul != 1.0 && charged && rsq < _coulombCutoff * _coulombCutoff)
        {
            var prefactor = qqrd2e * qi * qj / Math.Sqrt(rsq);
            fpair -= (1.0 - wCoul) * prefactor * r2inv;
            e -= (1.0 - wCoul) * prefactor;
        }
        return (fpair, e);
    }

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => null;

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        var f = result.Forces;
        var types = state.Types;
        var charges = state.Charges;
        var qqrd2e = state.Units.Qqr2e;
        var perAtom = result.Wants(ForceTerms.PerAtomEnergy);
        var energy = 0.0;
        Span<double> virial = stackalloc double[6];
        foreach (var (id1, id2, wLj, wCoul) in _pairs)
        {
            var i = _atoms.IndexOf(state, id1);
            var j = _atoms.IndexOf(state, id2);
            var (dx, dy, dz) = BondedAtoms.Delta(state, i, j);
            var rsq = dx * dx + dy * dy + dz * dz;
            var (fpair, e) = Correction(types[i], types[j], charges is null ? 0.0 : charges[i], charges is null ? 0.0 : charges[j],
                rsq, wLj, wCoul, charges is not null, qqrd2e);
            f[3 * i] += dx * fpair;
            f[3 * i + 1] += dy * fpair;
            f[3 * i + 2] += dz * fpair;
            f[3 * j] -= dx * fpair;
            f[3 * j + 1] -= dy * fpair;
            f[3 * j + 2] -= dz * fpair;
            energy += e;
            virial[0] += dx * dx * fpair;
            virial[1] += dy * dy * fpair;
            virial[2] += dz * dz * fpair;
            virial[3] += dx * dy * fpair;
            virial[4] += dx * dz * fpair;
            virial[5] += dy * dz * fpair;
            if (perAtom)
            {
                result.PerAtomEnergy[i] += 0.5 * e;
                result.PerAtomEnergy[j] += 0.5 * e;
            }
        }
        result.Energy += energy;
        for (var c = 0; c < 6; c++)
        {
            result.Virial[c] += virial[c];
        }
    }
}
