namespace Dataflow.Kernels.Md.Constraints;

/// <summary>One SHAKE cluster: a central atom and the atoms bonded to it whose bonds are constrained.</summary>
/// <param name="Kind">LAMMPS' shake_flag: 2, 3 or 4 atoms held by bonds only, or 1 for a 3-atom cluster whose angle is
/// held too (water).</param>
/// <param name="Atoms">Atom ids, the central atom first (for 2 atoms the lower id).</param>
/// <param name="Distances">Constrained distances: central-to-partner for each bond, then for kind 1 partner 1 to
/// partner 2.</param>
public sealed record ShakeCluster(int Kind, int[] Atoms, double[] Distances)
{
    /// <summary>Degrees of freedom the cluster removes (LAMMPS FixShake::dof).</summary>
    public int DegreesOfFreedom => Kind switch { 1 => 3, 2 => 1, 3 => 2, _ => 3 };
}

/// <summary>The SHAKE clusters of a system, as LAMMPS' FixShake::find_clusters finds them, and the bonds and angles they
/// hold (whose harmonic terms LAMMPS then skips: it sets their types negative).</summary>
public sealed class ShakeClusters
{
    private ShakeClusters(ShakeCluster[] clusters, bool[] constrainedBonds, bool[] constrainedAngles)
    {
        Clusters = clusters;
        ConstrainedBonds = constrainedBonds;
        ConstrainedAngles = constrainedAngles;
        DegreesOfFreedom = clusters.Sum(c => c.DegreesOfFreedom);
    }

    /// <summary>The clusters, by central atom id.</summary>
    public IReadOnlyList<ShakeCluster> Clusters { get; }

    /// <summary>Per bond of the topology: held by a cluster.</summary>
    public bool[] ConstrainedBonds { get; }

    /// <summary>Per angle of the topology: held by a cluster.</summary>
    public bool[] ConstrainedAngles { get; }

    /// <summary>Degrees of freedom removed from the temperature (3 an angle cluster, 1 a bond).</summary>
    public int DegreesOfFreedom { get; }

    /// <summary>The topology without the constrained bonds and angles: what the harmonic styles still evaluate.</summary>
    public MolecularTopology Unconstrained(MolecularTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return topology with
        {
            Bonds = topology.Bonds.Where((_, k) => !ConstrainedBonds[k]).ToArray(),
            Angles = topology.Angles.Where((_, k) => !ConstrainedAngles[k]).ToArray(),
        };
    }

    /// <summary>Finds the clusters of <paramref name="system"/> for <paramref name="settings"/> (group all).</summary>
    /// <param name="system">Atoms, masses and topology.</param>
    /// <param name="settings">Which bonds and angles to hold.</param>
    /// <param name="bondLength">Equilibrium length of a bond type (Bond::equilibrium_distance).</param>
    /// <param name="angleRadians">Equilibrium angle of an angle type (Angle::equilibrium_angle).</param>
    /// <exception cref="ArgumentException">No topology, a type out of range, an atom with more than three constrained
    /// bonds or two clusters bonded together (LAMMPS' errors).</exception>
    public static ShakeClusters Find(MdSystem system, ShakeSettings settings, Func<int, double> bondLength, Func<int, double> angleRadians)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(bondLength);
        ArgumentNullException.ThrowIfNull(angleRadians);
        var topology = system.Topology ?? throw new ArgumentException("fix shake needs a molecular system (bonds in the data file)");
        foreach (var t in settings.BondTypes)
        {
            if (t > topology.BondTypeCount)
            {
                throw new ArgumentException($"fix shake: bond type {t} does not exist ({topology.BondTypeCount} bond types)");
            }
        }
        foreach (var t in settings.AngleTypes)
        {
            if (t > topology.AngleTypeCount)
            {
                throw new ArgumentException($"fix shake: angle type {t} does not exist ({topology.AngleTypeCount} angle types)");
            }
        }
        foreach (var t in settings.AtomTypes)
        {
            if (t > system.TypeCount)
            {
                throw new ArgumentException($"fix shake: atom type {t} does not exist ({system.TypeCount} atom types)");
            }
        }
        var typeOf = new Dictionary<int, int>(system.AtomCount);
        for (var i = 0; i < system.AtomCount; i++)
        {
            typeOf[system.Ids[i]] = system.Types[i];
        }
        // Partners in the order of LAMMPS' 1-2 special list: bonds stored with the atom (it is the first atom), then
        // those of the partners that name it.
        var partners = new Dictionary<int, List<(int Partner, int Bond)>>();
        void AddPartner(int atom, int partner, int bond)
        {
            if (!partners.TryGetValue(atom, out var list))
            {
                partners[atom] = list = [];
            }
            list.Add((partner, bond));
        }
        for (var k = 0; k < topology.Bonds.Length; k++)
        {
            AddPartner(topology.Bonds[k].Atom1, topology.Bonds[k].Atom2, k);
        }
        for (var k = 0; k < topology.Bonds.Length; k++)
        {
            AddPartner(topology.Bonds[k].Atom2, topology.Bonds[k].Atom1, k);
        }
        var bondFlags = settings.BondTypes.ToHashSet();
        var typeFlags = settings.AtomTypes.ToHashSet();
        bool MassMatch(int id) => settings.Masses.Any(m => Math.Abs(m - system.Masses[typeOf[id] - 1]) <= 0.1);
        bool Shaken(int atom, int partner, int bond) =>
            bondFlags.Contains(topology.Bonds[bond].Type) || typeFlags.Contains(typeOf[atom]) || typeFlags.Contains(typeOf[partner])
            || (settings.Masses.Length > 0 && (MassMatch(partner) || MassMatch(atom)));
        var shakeCount = new Dictionary<int, int>();
        foreach (var (atom, list) in partners)
        {
            shakeCount[atom] = list.Count(p => Shaken(atom, p.Partner, p.Bond));
        }
        foreach (var (atom, count) in shakeCount.OrderBy(p => p.Key))
        {
            if (count > 3)
            {
                throw new ArgumentException($"fix shake: atom {atom} has {count} constrained bonds (a cluster of more than 4 atoms)");
            }
            if (count > 1 && partners[atom].Any(p => Shaken(atom, p.Partner, p.Bond) && shakeCount[p.Partner] > 1))
            {
                throw new ArgumentException($"fix shake: the cluster of atom {atom} is bonded to another cluster (clusters are connected)");
            }
        }
        var angleFlags = settings.AngleTypes.ToHashSet();
        var clusters = new List<ShakeCluster>();
        var constrainedBonds = new bool[topology.Bonds.Length];
        var constrainedAngles = new bool[topology.Angles.Length];
        foreach (var (atom, count) in shakeCount.OrderBy(p => p.Key))
        {
            var held = partners[atom].Where(p => Shaken(atom, p.Partner, p.Bond)).ToList();
            if (count == 1)
            {
                var (partner, bond) = held[0];
                if (shakeCount[partner] == 1 && atom < partner)
                {
                    clusters.Add(new ShakeCluster(2, [atom, partner], [bondLength(topology.Bonds[bond].Type)]));
                    constrainedBonds[bond] = true;
                }
                continue;
            }
            if (count < 2)
            {
                continue;
            }
            var atoms = new[] { atom }.Concat(held.Select(p => p.Partner)).ToArray();
            var distances = held.Select(p => bondLength(topology.Bonds[p.Bond].Type)).ToList();
            foreach (var (_, bond) in held)
            {
                constrainedBonds[bond] = true;
            }
            var kind = count + 1;
            if (count == 2)
            {
                // FixShake::angletype_findset: the angle stored with the central atom (its vertex) whose ends are the partners.
                var angle = Array.FindIndex(topology.Angles, a => a.Atom2 == atom
                    && ((a.Atom1 == atoms[1] && a.Atom3 == atoms[2]) || (a.Atom1 == atoms[2] && a.Atom3 == atoms[1])));
                if (angle >= 0 && angleFlags.Contains(topology.Angles[angle].Type))
                {
                    kind = 1;
                    constrainedAngles[angle] = true;
                    // FixShake::init: the third side from the two bond lengths (lower bond type first) and the angle.
                    var types = held.Select(p => topology.Bonds[p.Bond].Type).Order().ToArray();
                    var b1 = bondLength(types[0]);
                    var b2 = bondLength(types[1]);
                    var theta = angleRadians(topology.Angles[angle].Type);
                    distances.Add(Math.Sqrt(b1 * b1 + b2 * b2 - 2.0 * b1 * b2 * Math.Cos(theta)));
                }
            }
            clusters.Add(new ShakeCluster(kind, atoms, distances.ToArray()));
        }
        return new ShakeClusters(clusters.ToArray(), constrainedBonds, constrainedAngles);
    }
}
