using Dataflow.Kernels.Numerics;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The bonded terms of one domain (<see cref="IDomainBondedStyle"/>s: bonds, angles, special pairs): at each
/// rebuild, which terms its owned atoms belong to and which local copies of their partners to use; at each step, the
/// owned atoms' bonded forces and, on thermo steps, their energy and virial shares.</summary>
/// <remarks>
/// <para>Every term is evaluated by the domain of each member it owns, for that member only, from the images of the
/// other members nearest to it (LAMMPS' closest_image, found among the domain's owned and ghost atoms at the rebuild).
/// No bonded force goes back to a ghost's owner, an atom's bonded force is added in the order of its terms (style, then
/// term index) after its pair force, and a ghost's position is the bits its owner computes: so forces do not depend on
/// the decomposition. The energy of a term is split between its atoms (half a bond, a third of an angle, as LAMMPS'
/// per-atom tallies), so the exact thermo sums count each term once.</para>
/// <para>The ghost cutoff (pair cutoff plus skin) must cover a molecule: a partner with no image within a half box of
/// the atom among the local atoms is an error naming both ids.</para>
/// </remarks>
public sealed class DomainBondedTerms
{
    private const int MaxAtomsPerTerm = 4;
    private readonly IDomainBondedStyle[] _styles;
    private readonly OrthogonalBox _box;
    // For each atom id: its (style, term, member) memberships, style-major, then by term.
    private readonly Dictionary<int, (int Style, int Term, int Member)[]> _memberships = [];
    private readonly List<Entry> _entries = [];
    private readonly List<int> _entryAtoms = [];
    private readonly ExactSum[] _energyByKind = new ExactSum[Enum.GetValues<BondedEnergyKind>().Length];

    /// <summary>The terms of <paramref name="styles"/> in a box <paramref name="box"/>.</summary>
    /// <exception cref="ArgumentException">A style with more than four atoms a term.</exception>
    public DomainBondedTerms(IReadOnlyList<IDomainBondedStyle> styles, OrthogonalBox box)
    {
        ArgumentNullException.ThrowIfNull(styles);
        ArgumentNullException.ThrowIfNull(box);
        _styles = styles.ToArray();
        _box = box;
        var lists = new Dictionary<int, List<(int, int, int)>>();
        Span<int> ids = stackalloc int[MaxAtomsPerTerm];
        for (var s = 0; s < _styles.Length; s++)
        {
            var n = _styles[s].AtomsPerTerm;
            if (n is < 1 or > MaxAtomsPerTerm)
            {
                throw new ArgumentException($"{_styles[s].Name}: {n} atoms a term (1 to {MaxAtomsPerTerm})", nameof(styles));
            }
            for (var t = 0; t < _styles[s].TermCount; t++)
            {
                _styles[s].TermAtoms(t, ids[..n]);
                for (var m = 0; m < n; m++)
                {
                    if (!lists.TryGetValue(ids[m], out var list))
                    {
                        lists[ids[m]] = list = [];
                    }
                    list.Add((s, t, m));
                }
            }
        }
        foreach (var (id, list) in lists)
        {
            _memberships[id] = list.ToArray();
        }
    }

    /// <summary>The styles.</summary>
    public IReadOnlyList<IDomainBondedStyle> Styles => _styles;

    /// <summary>Term evaluations a step (owned atoms times their terms) since the last <see cref="Build"/>.</summary>
    public int EntryCount => _entries.Count;

    /// <summary>The owned atoms' energy of a kind at the last tallied <see cref="Compute"/>, as an exact sum.</summary>
    public ExactSum Energy(BondedEnergyKind kind) => _energyByKind[(int)kind];

    /// <summary>Finds, for every term of every owned atom, the local copies of the other members nearest to it.</summary>
    /// <param name="positions">Local positions (owned, then ghosts), interleaved xyz.</param>
    /// <param name="keys">Local canonical keys (id * 27 + shift code).</param>
    /// <param name="count">Local atoms.</param>
    /// <param name="owned">Owned atoms (the first ones).</param>
    /// <exception cref="InvalidOperationException">A partner without an image near the atom among the local atoms.</exception>
    public void Build(ReadOnlySpan<double> positions, ReadOnlySpan<long> keys, int count, int owned)
    {
        _entries.Clear();
        _entryAtoms.Clear();
        // Local copies by id, as a chain: first[id] then next[k].
        var first = new Dictionary<int, int>(count);
        var next = new int[count];
        for (var k = count - 1; k >= 0; k--)
        {
            var id = (int)(keys[k] / 27);
            next[k] = first.TryGetValue(id, out var head) ? head : -1;
            first[id] = k;
        }
        Span<int> ids = stackalloc int[MaxAtomsPerTerm];
        for (var i = 0; i < owned; i++)
        {
            var id = (int)(keys[i] / 27);
            if (!_memberships.TryGetValue(id, out var memberships))
            {
                continue;
            }
            foreach (var (s, t, m) in memberships)
            {
                var style = _styles[s];
                var n = style.AtomsPerTerm;
                style.TermAtoms(t, ids[..n]);
                _entries.Add(new Entry(i, s, t, m, _entryAtoms.Count));
                for (var a = 0; a < n; a++)
                {
                    _entryAtoms.Add(a == m ? i : Nearest(positions, first, next, i, id, ids[a], style.Name));
                }
            }
        }
    }

    /// <summary>Adds the owned atoms' bonded forces; with <paramref name="tally"/>, their energy and virial shares too
    /// (and the sums by kind, <see cref="Energy"/>).</summary>
    /// <param name="positions">Local positions, as at <see cref="Build"/> (current step).</param>
    /// <param name="types">Local types.</param>
    /// <param name="charges">Local charges, or null.</param>
    /// <param name="tally">Whether energy and virial are wanted.</param>
    /// <param name="forces">3 per owned atom; added to.</param>
    /// <param name="energy">1 per owned atom; added to when <paramref name="tally"/>.</param>
    /// <param name="virial">6 per owned atom; added to when <paramref name="tally"/>.</param>
    public void Compute(ReadOnlySpan<double> positions, ReadOnlySpan<int> types, ReadOnlySpan<double> charges, bool tally,
        Span<double> forces, Span<double> energy, Span<double> virial)
    {
        Array.Clear(_energyByKind);
        Span<double> x = stackalloc double[3 * MaxAtomsPerTerm];
        Span<int> t = stackalloc int[MaxAtomsPerTerm];
        Span<double> q = stackalloc double[MaxAtomsPerTerm];
        Span<double> w = stackalloc double[6];
        var charged = !charges.IsEmpty;
        foreach (var e in _entries)
        {
            var style = _styles[e.Style];
            var n = style.AtomsPerTerm;
            for (var a = 0; a < n; a++)
            {
                var local = _entryAtoms[e.AtomsAt + a];
                x[3 * a] = positions[3 * local];
                x[3 * a + 1] = positions[3 * local + 1];
                x[3 * a + 2] = positions[3 * local + 2];
                t[a] = types[local];
                if (charged)
                {
                    q[a] = charges[local];
                }
            }
            w.Clear();
            var share = style.Compute(e.Term, e.Member, x[..(3 * n)], t[..n], charged ? q[..n] : [], forces.Slice(3 * e.Owned, 3), w);
            if (tally)
            {
                energy[e.Owned] += share;
                _energyByKind[(int)style.Kind].Add(share);
                for (var c = 0; c < 6; c++)
                {
                    virial[6 * e.Owned + c] += w[c];
                }
            }
        }
    }

    // The local copy of atom `id` nearest owned atom `i`: the one within half a box length of it on every axis.
    private int Nearest(ReadOnlySpan<double> positions, Dictionary<int, int> first, int[] next, int i, int ownedId, int id, string style)
    {
        if (first.TryGetValue(id, out var k))
        {
            for (; k >= 0; k = next[k])
            {
                var near = true;
                for (var a = 0; a < 3 && near; a++)
                {
                    near = Math.Abs(positions[3 * k + a] - positions[3 * i + a]) <= 0.5 * _box.Length(a);
                }
                if (near)
                {
                    return k;
                }
            }
        }
        throw new InvalidOperationException(
            $"{style}: atom {id} has no copy within half a box of its partner atom {ownedId} on that atom's domain: the molecule "
            + "reaches beyond the ghost cutoff (pair cutoff plus skin)");
    }

    private readonly record struct Entry(int Owned, int Style, int Term, int Member, int AtomsAt);
}
