namespace Dataflow.Kernels.Md.Constraints;

/// <summary>SHAKE on one spatial domain: every cluster with an owned member is solved by that member's domain, from
/// the images of the other members nearest to it among its owned and ghost atoms, and only the owned member's
/// constraint force is kept.</summary>
/// <remarks>
/// <para>Why not one domain per molecule: the domains migrate atoms one by one, and ghosts already carry every partner
/// within the pair cutoff. So, as <see cref="Domains.DomainBondedTerms"/> does for bonds and angles, a cluster is solved
/// once for each member, by the member's domain, with the member's own position and its partners' ghost positions
/// (x + s L, the bits their owners compute). The predicted positions of the next step (LAMMPS' xshake) travel to the
/// ghosts like positions do, one message a neighbour a step. Each member's arithmetic therefore depends on the atoms
/// only, never on the decomposition: the same bits on 1 and 2x2x2 domains. Each member keeps 1/n of its cluster's
/// virial (LAMMPS' v_tally), so the exact thermo sums count a cluster's virial once.</para>
/// <para>The step (LAMMPS Verlet with fix shake's post_force): after all forces, xshake = x + dt v + dt^2 ftm2v F / m,
/// then the multipliers of <see cref="ShakeSolver"/> give forces along the current bonds that put xshake on the
/// constraints. At a run's setup the positions are first corrected onto the constraints (FixShake::correct_coordinates)
/// and the first forces use dt^2 / 2 (FixShake::shake_end_of_step).</para>
/// </remarks>
public sealed class DomainShake
{
    private readonly ShakeClusters _clusters;
    private readonly ShakeSettings _settings;
    private readonly double[] _masses;
    private readonly Dictionary<int, (int Cluster, int Member)> _membership = [];
    private readonly List<(int Owned, int Cluster, int Member, int At)> _entries = [];
    private readonly List<int> _entryAtoms = [];
    private double[] _predicted = [];

    /// <summary>The clusters of <paramref name="clusters"/> with <paramref name="settings"/>' iteration.</summary>
    /// <param name="clusters">The system's clusters.</param>
    /// <param name="settings">Tolerance and iteration limit.</param>
    /// <param name="masses">Mass per type (index type - 1).</param>
    public DomainShake(ShakeClusters clusters, ShakeSettings settings, double[] masses)
    {
        _clusters = clusters ?? throw new ArgumentNullException(nameof(clusters));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _masses = masses ?? throw new ArgumentNullException(nameof(masses));
        for (var c = 0; c < clusters.Clusters.Count; c++)
        {
            var atoms = clusters.Clusters[c].Atoms;
            for (var m = 0; m < atoms.Length; m++)
            {
                _membership[atoms[m]] = (c, m);
            }
        }
    }

    /// <summary>Finds, for every owned cluster member, the local copies of its partners nearest to it (at a rebuild).</summary>
    /// <param name="positions">Local positions (owned, then ghosts).</param>
    /// <param name="keys">Local keys (id * 27 + shift code).</param>
    /// <param name="count">Local atoms.</param>
    /// <param name="owned">Owned atoms.</param>
    /// <param name="box">The periodic box.</param>
    /// <exception cref="InvalidOperationException">A partner with no copy within half a box of the member.</exception>
    public void Build(ReadOnlySpan<double> positions, ReadOnlySpan<long> keys, int count, int owned, OrthogonalBox box)
    {
        ArgumentNullException.ThrowIfNull(box);
        _entries.Clear();
        _entryAtoms.Clear();
        var copies = new Dictionary<int, List<int>>();
        for (var k = 0; k < count; k++)
        {
            var id = (int)(keys[k] / 27);
            if (_membership.ContainsKey(id))
            {
                if (!copies.TryGetValue(id, out var list))
                {
                    copies[id] = list = [];
                }
                list.Add(k);
            }
        }
        for (var i = 0; i < owned; i++)
        {
            var id = (int)(keys[i] / 27);
            if (!_membership.TryGetValue(id, out var at))
            {
                continue;
            }
            var cluster = _clusters.Clusters[at.Cluster];
            _entries.Add((i, at.Cluster, at.Member, _entryAtoms.Count));
            foreach (var partner in cluster.Atoms)
            {
                if (partner == id)
                {
                    _entryAtoms.Add(i);
                    continue;
                }
                var found = -1;
                foreach (var k in copies.GetValueOrDefault(partner) ?? [])
                {
                    var near = true;
                    for (var a = 0; a < 3 && near; a++)
                    {
                        near = Math.Abs(positions[3 * k + a] - positions[3 * i + a]) <= 0.5 * box.Length(a);
                    }
                    if (near)
                    {
                        found = k;
                        break;
                    }
                }
                _entryAtoms.Add(found >= 0
                    ? found
                    : throw new InvalidOperationException(
                        $"fix shake: atom {partner} has no copy within half a box of atom {id} on that atom's domain: the cluster reaches "
                        + "beyond the ghost cutoff (pair cutoff plus skin)"));
            }
        }
    }

    /// <summary>LAMMPS' xshake of the owned atoms: x + dtv v + dtfsq / m F for cluster members, 0 for the others.</summary>
    /// <param name="x">Owned positions.</param>
    /// <param name="v">Owned velocities.</param>
    /// <param name="f">Owned forces.</param>
    /// <param name="types">Owned types.</param>
    /// <param name="dtv">Timestep.</param>
    /// <param name="dtfsq">dt^2 ftm2v, or half of it at setup.</param>
    public double[] Predict(ReadOnlySpan<double> x, ReadOnlySpan<double> v, ReadOnlySpan<double> f, ReadOnlySpan<int> types,
        double dtv, double dtfsq)
    {
        var predicted = new double[x.Length];
        foreach (var e in _entries)
        {
            var i = e.Owned;
            var dtfmsq = dtfsq / _masses[types[i] - 1];
            for (var a = 0; a < 3; a++)
            {
                predicted[3 * i + a] = x[3 * i + a] + dtv * v[3 * i + a] + dtfmsq * f[3 * i + a];
            }
        }
        return predicted;
    }

    /// <summary>Adds the owned members' constraint forces and, with <paramref name="virial"/> non-empty, their shares
    /// (1/n) of their clusters' virials.</summary>
    /// <param name="positions">Local positions (owned, then ghosts), current.</param>
    /// <param name="predicted">Local predicted positions (owned, then ghosts, same order).</param>
    /// <param name="types">Local types.</param>
    /// <param name="dtfsq">As given to <see cref="Predict"/>.</param>
    /// <param name="forces">Owned forces, added to.</param>
    /// <param name="virial">Owned per-atom virials (6 each), added to; empty when not tallied.</param>
    public void Apply(ReadOnlySpan<double> positions, ReadOnlySpan<double> predicted, ReadOnlySpan<int> types, double dtfsq,
        Span<double> forces, Span<double> virial)
    {
        Span<double> x = stackalloc double[12];
        Span<double> s = stackalloc double[12];
        Span<double> inverseMass = stackalloc double[4];
        Span<double> w = stackalloc double[6];
        foreach (var e in _entries)
        {
            var cluster = _clusters.Clusters[e.Cluster];
            var n = cluster.Atoms.Length;
            for (var m = 0; m < n; m++)
            {
                var local = _entryAtoms[e.At + m];
                for (var a = 0; a < 3; a++)
                {
                    x[3 * m + a] = positions[3 * local + a];
                    s[3 * m + a] = predicted[3 * local + a];
                }
                inverseMass[m] = 1.0 / _masses[types[local] - 1];
            }
            ShakeSolver.Solve(cluster, x[..(3 * n)], s[..(3 * n)], inverseMass[..n], _settings.Tolerance, _settings.MaxIterations, dtfsq,
                e.Member, forces.Slice(3 * e.Owned, 3), w);
            if (!virial.IsEmpty)
            {
                // Fix::v_tally: each of the cluster's n atoms keeps 1/n of its virial.
                var fraction = 1.0 / n;
                for (var c = 0; c < 6; c++)
                {
                    virial[6 * e.Owned + c] += fraction * w[c];
                }
            }
        }
    }

    /// <summary>FixShake::correct_coordinates: moves the owned members onto the constraints from where they are, as if
    /// velocities and forces were zero (xshake = x, dtfsq = dt^2 / 2 ftm2v).</summary>
    /// <param name="positions">Local positions, current.</param>
    /// <param name="types">Local types.</param>
    /// <param name="dtfsq">dt^2 / 2 ftm2v.</param>
    /// <param name="owned">Owned positions, moved.</param>
    public void CorrectCoordinates(ReadOnlySpan<double> positions, ReadOnlySpan<int> types, double dtfsq, Span<double> owned)
    {
        var count = owned.Length / 3;
        var forces = new double[owned.Length];
        Apply(positions, positions, types, dtfsq, forces, []);
        for (var i = 0; i < count; i++)
        {
            var dtfmsq = dtfsq / _masses[types[i] - 1];
            for (var a = 0; a < 3; a++)
            {
                owned[3 * i + a] = owned[3 * i + a] + dtfmsq * forces[3 * i + a];
            }
        }
    }

    /// <summary>Scratch for the local predicted positions (owned, then ghosts), at least <paramref name="length"/>.</summary>
    public double[] PredictedBuffer(int length)
    {
        if (_predicted.Length < length)
        {
            _predicted = new double[length];
        }
        return _predicted;
    }
}
