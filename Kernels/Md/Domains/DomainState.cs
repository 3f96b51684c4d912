using Dataflow.Kernels.Numerics;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The atoms of one spatial domain and what it does with them in a step: velocity Verlet on its owned
/// atoms, migration and ghost packets for its neighbours, local arrays for the pair loop, thermo partial sums.</summary>
/// <remarks>
/// <para>Local atoms are the owned atoms followed by the ghosts received from neighbour domains, in the order
/// of <see cref="SetGhosts"/> calls. A ghost is a periodic image of a neighbour's atom: its position is the
/// owner's (wrapped) x plus s L per axis with s in {-1, 0, 1}, computed by the sender as <c>x + s * L</c>, and its
/// canonical key is id * 27 + <see cref="ShiftCode"/>(s). Owned atoms have s = 0. The key identifies a pair
/// partner independently of the decomposition, so the pair loop's summation order is too.</para>
/// <para>Integration follows <see cref="VelocityVerlet"/> (LAMMPS fix nve) term by term.</para>
/// </remarks>
public sealed class DomainState
{
    private readonly double[] _masses;
    private readonly double _timestep;
    private readonly double _ftm2v;
    private readonly bool _charged;
    private readonly List<GhostSend> _sends = [];
    private int[] _ids = [];
    private int[] _types = [];
    private double[] _charges = [];
    private double[] _x = [];
    private double[] _v = [];
    private int[] _images = [];
    private double[] _forces = [];
    private double[] _energy = [];
    private double[] _virial = [];
    private double[] _localX = [];
    private int[] _localTypes = [];
    private double[] _localCharges = [];
    private long[] _localKeys = [];
    private int _ghostCount;
    private DomainBondedTerms? _bonded;
    private ExactSum _coulomb;

    /// <summary>An empty domain.</summary>
    /// <param name="index">Domain index in the layout.</param>
    /// <param name="box">Periodic box.</param>
    /// <param name="masses">Mass per type (index type - 1).</param>
    /// <param name="units">Unit style.</param>
    /// <param name="timestep">Timestep, time units.</param>
    /// <param name="charged">Whether atoms carry charges.</param>
    public DomainState(int index, OrthogonalBox box, double[] masses, UnitSystem units, double timestep, bool charged)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(masses);
        ArgumentNullException.ThrowIfNull(units);
        Index = index;
        Box = box;
        _masses = masses;
        _timestep = timestep;
        _ftm2v = units.Ftm2v;
        Mvv2e = units.Mvv2e;
        _charged = charged;
    }

    /// <summary>The bonded terms evaluated after the pair loop (bonds, angles, special pairs), or null for none.</summary>
    public DomainBondedTerms? Bonded
    {
        get => _bonded;
        init => _bonded = value;
    }

    /// <summary>This domain's index.</summary>
    public int Index { get; }

    /// <summary>The periodic box.</summary>
    public OrthogonalBox Box { get; }

    /// <summary>Owned atoms.</summary>
    public int Owned { get; private set; }

    /// <summary>Ghost atoms received at the last rebuild.</summary>
    public int Ghosts => _ghostCount;

    /// <summary>Owned and ghost atoms.</summary>
    public int LocalCount => Owned + _ghostCount;

    /// <summary>The unit style's mvv2e (for kinetic energy sums).</summary>
    public double Mvv2e { get; }

    /// <summary>Owned atom ids.</summary>
    public ReadOnlySpan<int> Ids => _ids.AsSpan(0, Owned);

    /// <summary>Owned positions, interleaved xyz.</summary>
    public ReadOnlySpan<double> Positions => _x.AsSpan(0, 3 * Owned);

    /// <summary>Forces on owned atoms from the last evaluation (short range plus whatever was added).</summary>
    public Span<double> Forces => _forces.AsSpan(0, 3 * Owned);

    /// <summary>Shift code of a periodic image s in {-1, 0, 1}^3: (sx + 1) 9 + (sy + 1) 3 + (sz + 1); 13 is no shift.</summary>
    public static byte ShiftCode(int sx, int sy, int sz) => (byte)((sx + 1) * 9 + (sy + 1) * 3 + sz + 1);

    /// <summary>Canonical key of atom <paramref name="id"/> seen through shift <paramref name="shiftCode"/>.</summary>
    public static long Key(int id, byte shiftCode) => (long)id * 27 + shiftCode;

    /// <summary>Adds atoms to the owned set.</summary>
    public void Add(AtomPacket atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        var n = Owned + atoms.Count;
        EnsureOwnedCapacity(n);
        atoms.Ids.CopyTo(_ids, Owned);
        atoms.Types.CopyTo(_types, Owned);
        if (_charged)
        {
            (atoms.Charges ?? throw new ArgumentException("charges missing", nameof(atoms))).CopyTo(_charges, Owned);
        }
        atoms.Positions.CopyTo(_x, 3 * Owned);
        atoms.Velocities.CopyTo(_v, 3 * Owned);
        atoms.Images.CopyTo(_images, 3 * Owned);
        Owned = n;
    }

    /// <summary>Wraps owned atoms into the box, counting crossings in their image flags (LAMMPS Domain::pbc).</summary>
    /// <exception cref="InvalidOperationException">A coordinate is not finite (the run blew up).</exception>
    public void Wrap(long step) =>
        MdState.Wrap(Box, _x.AsSpan(0, 3 * Owned), _images.AsSpan(0, 3 * Owned), _ids.AsSpan(0, Owned), step);

    /// <summary>Removes the owned atoms that <paramref name="layout"/> gives to other domains and returns them by
    /// destination.</summary>
    public Dictionary<int, AtomPacket> TakeLeaving(DomainLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var leaving = new Dictionary<int, List<int>>();
        var keep = 0;
        var order = new int[Owned];
        for (var i = 0; i < Owned; i++)
        {
            var owner = layout.OwnerOf(_x[3 * i], _x[3 * i + 1], _x[3 * i + 2]);
            if (owner == Index)
            {
                order[keep++] = i;
            }
            else
            {
                if (!leaving.TryGetValue(owner, out var list))
                {
                    leaving[owner] = list = [];
                }
                list.Add(i);
            }
        }
        var result = leaving.ToDictionary(kv => kv.Key, kv => Pack(kv.Value));
        // Compact the kept atoms in their order.
        for (var k = 0; k < keep; k++)
        {
            var i = order[k];
            if (i == k)
            {
                continue;
            }
            _ids[k] = _ids[i];
            _types[k] = _types[i];
            if (_charged)
            {
                _charges[k] = _charges[i];
            }
            for (var a = 0; a < 3; a++)
            {
                _x[3 * k + a] = _x[3 * i + a];
                _v[3 * k + a] = _v[3 * i + a];
                _images[3 * k + a] = _images[3 * i + a];
            }
        }
        Owned = keep;
        return result;
    }

    /// <summary>All owned atoms, copied, with their current forces.</summary>
    public AtomPacket Snapshot() =>
        Pack(Enumerable.Range(0, Owned).ToList()) with { Forces = _forces.AsSpan(0, 3 * Owned).ToArray() };

    /// <summary>Sets the owned atoms' forces (3 per atom, owned order), e.g. the ones a checkpoint saved.</summary>
    public void SetForces(ReadOnlySpan<double> forces) => forces.CopyTo(_forces.AsSpan(0, 3 * Owned));

    /// <summary>Owned velocities, interleaved xyz.</summary>
    public ReadOnlySpan<double> Velocities => _v.AsSpan(0, 3 * Owned);

    /// <summary>Owned atom types.</summary>
    public ReadOnlySpan<int> Types => _types.AsSpan(0, Owned);

    /// <summary>Starts a ghost exchange: forgets the ghosts received and the ghost lists sent before.</summary>
    public void ClearGhosts()
    {
        _sends.Clear();
        _ghostCount = 0;
    }

    /// <summary>The ghosts this domain's owned atoms give <paramref name="target"/> (itself included, through
    /// periodic images): images within <paramref name="ghostCutoff"/> of the target's region. The list is kept
    /// so that <see cref="GhostPositions"/> can send the same ghosts' positions at later steps.</summary>
    public GhostPacket SelectGhosts(DomainLayout layout, int target, double ghostCutoff)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var atoms = new List<int>();
        var shifts = new List<byte>();
        Span<int> lowShift = stackalloc int[3];
        Span<int> highShift = stackalloc int[3];
        for (var i = 0; i < Owned; i++)
        {
            // Only atoms within the cutoff of a face can have a periodic image near anything inside the box.
            for (var a = 0; a < 3; a++)
            {
                var x = _x[3 * i + a];
                lowShift[a] = x >= Box.Hi(a) - ghostCutoff ? -1 : 0;
                highShift[a] = x < Box.Lo(a) + ghostCutoff ? 1 : 0;
            }
            for (var sx = lowShift[0]; sx <= highShift[0]; sx++)
            {
                for (var sy = lowShift[1]; sy <= highShift[1]; sy++)
                {
                    for (var sz = lowShift[2]; sz <= highShift[2]; sz++)
                    {
                        if (target == Index && sx == 0 && sy == 0 && sz == 0)
                        {
                            continue;
                        }
                        var px = _x[3 * i] + sx * Box.LengthX;
                        var py = _x[3 * i + 1] + sy * Box.LengthY;
                        var pz = _x[3 * i + 2] + sz * Box.LengthZ;
                        if (layout.NearRegion(target, px, py, pz, ghostCutoff))
                        {
                            atoms.Add(i);
                            shifts.Add(ShiftCode(sx, sy, sz));
                        }
                    }
                }
            }
        }
        var send = new GhostSend(target, atoms.ToArray(), shifts.ToArray());
        _sends.Add(send);
        var n = send.Atoms.Length;
        var ids = new int[n];
        var types = new int[n];
        var charges = _charged ? new double[n] : null;
        for (var k = 0; k < n; k++)
        {
            var i = send.Atoms[k];
            ids[k] = _ids[i];
            types[k] = _types[i];
            if (charges is not null)
            {
                charges[k] = _charges[i];
            }
        }
        return new GhostPacket(ids, send.Shifts, types, charges, GhostPositions(target));
    }

    /// <summary>Current shifted positions of the ghosts last selected for <paramref name="target"/>.</summary>
    public double[] GhostPositions(int target) => GhostValues(target, _x);

    /// <summary>A position-like value of each owned atom (3 each, owned order, e.g. SHAKE's predicted positions) for the
    /// ghosts last selected for <paramref name="target"/>, shifted by their images as positions are.</summary>
    public double[] GhostValues(int target, ReadOnlySpan<double> owned)
    {
        var send = _sends.Find(s => s.Target == target)
            ?? throw new InvalidOperationException($"domain {Index} has no ghost list for domain {target}");
        var values = new double[3 * send.Atoms.Length];
        for (var k = 0; k < send.Atoms.Length; k++)
        {
            var i = send.Atoms[k];
            var code = send.Shifts[k];
            values[3 * k] = owned[3 * i] + (code / 9 - 1) * Box.LengthX;
            values[3 * k + 1] = owned[3 * i + 1] + (code / 3 % 3 - 1) * Box.LengthY;
            values[3 * k + 2] = owned[3 * i + 2] + (code % 3 - 1) * Box.LengthZ;
        }
        return values;
    }

    /// <summary>Local positions (owned, then ghosts) as last laid out.</summary>
    public ReadOnlySpan<double> LocalPositions => _localX.AsSpan(0, 3 * LocalCount);

    /// <summary>Local canonical keys (owned, then ghosts).</summary>
    public ReadOnlySpan<long> LocalKeys => _localKeys.AsSpan(0, LocalCount);

    /// <summary>Local types (owned, then ghosts).</summary>
    public ReadOnlySpan<int> LocalTypes => _localTypes.AsSpan(0, LocalCount);

    /// <summary>Owned positions, to move in place (a constraint's correction).</summary>
    public Span<double> OwnedPositions => _x.AsSpan(0, 3 * Owned);

    /// <summary>Owned per-atom virials (6 each) of the last tallied evaluation, to add to.</summary>
    public Span<double> OwnedVirial => _virial.AsSpan(0, 6 * Owned);

    /// <summary>Mass per type (index type - 1).</summary>
    public double[] Masses => _masses;

    /// <summary>Timestep, time units.</summary>
    public double Timestep => _timestep;

    /// <summary>Force-to-velocity conversion of the unit style (ftm2v).</summary>
    public double Ftm2v => _ftm2v;

    /// <summary>Lays out local arrays: owned atoms, then the given ghost packets in order.</summary>
    public void SetGhosts(IReadOnlyList<GhostPacket> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        _ghostCount = packets.Sum(p => p.Count);
        var n = LocalCount;
        EnsureLocalCapacity(n);
        for (var i = 0; i < Owned; i++)
        {
            _localTypes[i] = _types[i];
            _localKeys[i] = Key(_ids[i], ShiftCode(0, 0, 0));
            if (_charged)
            {
                _localCharges[i] = _charges[i];
            }
        }
        var at = Owned;
        foreach (var p in packets)
        {
            for (var k = 0; k < p.Count; k++)
            {
                _localTypes[at + k] = p.Types[k];
                _localKeys[at + k] = Key(p.Ids[k], p.Shifts[k]);
                if (_charged)
                {
                    _localCharges[at + k] = p.Charges![k];
                }
            }
            at += p.Count;
        }
        UpdateGhostPositions(packets.Select(p => p.Positions).ToList());
    }

    /// <summary>Copies owned positions and the ghosts' new positions (same packets, same order as the last
    /// <see cref="SetGhosts"/>) into the local arrays.</summary>
    public void UpdateGhostPositions(IReadOnlyList<double[]> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        Array.Copy(_x, _localX, 3 * Owned);
        var at = 3 * Owned;
        foreach (var p in positions)
        {
            Array.Copy(p, 0, _localX, at, p.Length);
            at += p.Length;
        }
        if (at != 3 * LocalCount)
        {
            throw new InvalidOperationException($"domain {Index}: ghost positions for {at / 3 - Owned} atoms, expected {_ghostCount}");
        }
    }

    /// <summary>Rebuilds the neighbour list of <paramref name="field"/> over the local atoms.</summary>
    public void BuildList(IDomainForceField field, double listCutoff)
    {
        ArgumentNullException.ThrowIfNull(field);
        field.Build(_localX.AsSpan(0, 3 * LocalCount), LocalCount, Owned, _localKeys.AsSpan(0, LocalCount), listCutoff);
        _bonded?.Build(_localX.AsSpan(0, 3 * LocalCount), _localKeys.AsSpan(0, LocalCount), LocalCount, Owned);
    }

    /// <summary>Short-range forces (and with <paramref name="tally"/> per-atom energy and virial) into
    /// <see cref="Forces"/>.</summary>
    public void ComputeForces(IDomainForceField field, bool tally)
    {
        ArgumentNullException.ThrowIfNull(field);
        field.Compute(_localX, _localTypes, _charged ? _localCharges : null, Owned, tally,
            _forces.AsSpan(0, 3 * Owned), _energy.AsSpan(0, Owned), _virial.AsSpan(0, 6 * Owned));
        // Each owned atom's bonded terms after its pair sum, in a fixed order (DomainBondedTerms).
        _bonded?.Compute(_localX.AsSpan(0, 3 * LocalCount), _localTypes.AsSpan(0, LocalCount),
            _charged ? _localCharges.AsSpan(0, LocalCount) : [], tally, _forces.AsSpan(0, 3 * Owned), _energy.AsSpan(0, Owned),
            _virial.AsSpan(0, 6 * Owned));
        if (tally)
        {
            _coulomb = field.CoulombEnergy;
            if (_bonded is not null)
            {
                _coulomb.Add(_bonded.Energy(BondedEnergyKind.Coulomb));
            }
        }
    }

    /// <summary>Adds forces (3 per owned atom, in owned order) to <see cref="Forces"/>.</summary>
    public void AddForces(ReadOnlySpan<double> extra)
    {
        for (var k = 0; k < 3 * Owned; k++)
        {
            _forces[k] += extra[k];
        }
    }

    /// <summary>Velocity Verlet's first half: v += dt/2 F/m, x += dt v (LAMMPS FixNVE::initial_integrate).</summary>
    public void InitialIntegrate()
    {
        Kick();
        var dtv = _timestep;
        for (var k = 0; k < 3 * Owned; k++)
        {
            _x[k] += dtv * _v[k];
        }
    }

    /// <summary>Velocity Verlet's second half: v += dt/2 F/m (LAMMPS FixNVE::final_integrate).</summary>
    public void FinalIntegrate() => Kick();

    /// <summary>The owned atoms' velocities to scale in place (a thermostat's factor).</summary>
    public Span<double> OwnedVelocities => _v.AsSpan(0, 3 * Owned);

    /// <summary>Exact sum of m v^2 over the owned atoms: a domain's part of the whole system's temperature, the same
    /// bits whatever the decomposition once the parts are added.</summary>
    public ExactSum MassVelocitySquared()
    {
        var sum = new ExactSum();
        for (var i = 0; i < Owned; i++)
        {
            var m = _masses[_types[i] - 1];
            sum.Add((_v[3 * i] * _v[3 * i] + _v[3 * i + 1] * _v[3 * i + 1] + _v[3 * i + 2] * _v[3 * i + 2]) * m);
        }
        return sum;
    }

    /// <summary>Exact partial sums of the owned atoms: sum m v^2, energy and virial (last tallied evaluation).</summary>
    public ThermoPartials Partials()
    {
        var partials = new ThermoPartials();
        for (var i = 0; i < Owned; i++)
        {
            var m = _masses[_types[i] - 1];
            partials.MassVelocitySquared.Add(
                (_v[3 * i] * _v[3 * i] + _v[3 * i + 1] * _v[3 * i + 1] + _v[3 * i + 2] * _v[3 * i + 2]) * m);
            partials.Energy.Add(_energy[i]);
            for (var c = 0; c < 6; c++)
            {
                partials.Virial[c].Add(_virial[6 * i + c]);
            }
        }
        if (_bonded is not null)
        {
            partials.Bond = _bonded.Energy(BondedEnergyKind.Bond);
            partials.Angle = _bonded.Energy(BondedEnergyKind.Angle);
        }
        partials.Coulomb = _coulomb;
        return partials;
    }

    /// <summary>Positions of owned atoms along the ring axis relative to the domain's lower cut, for balancing.</summary>
    public double[] RingOffsets(DomainLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var (lower, _) = layout.RingExtent(Index);
        var axis = layout.RingAxis;
        var length = Box.Length(axis);
        var offsets = new double[Owned];
        for (var i = 0; i < Owned; i++)
        {
            var u = _x[3 * i + axis];
            while (u < lower)
            {
                u += length;
            }
            while (u >= lower + length)
            {
                u -= length;
            }
            offsets[i] = u - lower;
        }
        return offsets;
    }

    private void Kick() => VelocityVerlet.Kick(0.5 * _timestep * _ftm2v, _masses, _types.AsSpan(0, Owned),
        _v.AsSpan(0, 3 * Owned), _forces.AsSpan(0, 3 * Owned));

    // The owned arrays seen as a packet (longer than Owned: only indices below it are read).
    private AtomPacket Pack(List<int> atoms) =>
        new AtomPacket(_ids, _types, _charged ? _charges : null, _x, _v, _images).Select(atoms);

    private void EnsureOwnedCapacity(int n)
    {
        if (_ids.Length >= n)
        {
            return;
        }
        var capacity = Math.Max(n, _ids.Length * 3 / 2 + 16);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _types, capacity);
        Array.Resize(ref _charges, _charged ? capacity : 0);
        Array.Resize(ref _x, 3 * capacity);
        Array.Resize(ref _v, 3 * capacity);
        Array.Resize(ref _images, 3 * capacity);
        Array.Resize(ref _forces, 3 * capacity);
        Array.Resize(ref _energy, capacity);
        Array.Resize(ref _virial, 6 * capacity);
    }

    private void EnsureLocalCapacity(int n)
    {
        if (_localTypes.Length >= n)
        {
            return;
        }
        var capacity = Math.Max(n, _localTypes.Length * 3 / 2 + 16);
        Array.Resize(ref _localX, 3 * capacity);
        Array.Resize(ref _localTypes, capacity);
        Array.Resize(ref _localCharges, _charged ? capacity : 0);
        Array.Resize(ref _localKeys, capacity);
    }

    private sealed record GhostSend(int Target, int[] Atoms, byte[] Shifts);
}

/// <summary>Exact partial sums of a domain's thermo terms: sum m v^2, potential energy, virial (6), and the bond and
/// angle parts of the potential energy.</summary>
public sealed class ThermoPartials
{
    /// <summary>Sum of m v^2 over atoms.</summary>
    public ExactSum MassVelocitySquared;

    /// <summary>Potential energy.</summary>
    public ExactSum Energy;

    /// <summary>Virial, xx yy zz xy xz yz.</summary>
    public ExactSum[] Virial { get; } = new ExactSum[6];

    /// <summary>Bond energy (part of <see cref="Energy"/>).</summary>
    public ExactSum Bond;

    /// <summary>Angle energy (part of <see cref="Energy"/>).</summary>
    public ExactSum Angle;

    /// <summary>Real-space Coulomb energy (part of <see cref="Energy"/>; LAMMPS' <c>ecoul</c>).</summary>
    public ExactSum Coulomb;

    /// <summary>Adds another domain's sums.</summary>
    public void Add(ThermoPartials other)
    {
        ArgumentNullException.ThrowIfNull(other);
        MassVelocitySquared.Add(other.MassVelocitySquared);
        Energy.Add(other.Energy);
        Bond.Add(other.Bond);
        Angle.Add(other.Angle);
        Coulomb.Add(other.Coulomb);
        for (var c = 0; c < 6; c++)
        {
            Virial[c].Add(other.Virial[c]);
        }
    }

    /// <summary>The sums as 22 longs (11 terms, high then low half: m v^2, energy, virial, bond, angle, Coulomb), for
    /// messages.</summary>
    public long[] ToBits()
    {
        var bits = new long[22];
        var terms = new[] { MassVelocitySquared, Energy }.Concat(Virial).Concat([Bond, Angle, Coulomb]).ToArray();
        for (var t = 0; t < 11; t++)
        {
            (bits[2 * t], var low) = terms[t].Bits;
            bits[2 * t + 1] = unchecked((long)low);
        }
        return bits;
    }

    /// <summary>Sums from <see cref="ToBits"/> (or the 16 words, without bond, angle and Coulomb, of earlier builds).</summary>
    public static ThermoPartials FromBits(long[] bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        if (bits.Length is not (16 or 22))
        {
            throw new ArgumentException($"{bits.Length} words, expected 22", nameof(bits));
        }
        ExactSum Term(int t) => ExactSum.FromBits(bits[2 * t], unchecked((ulong)bits[2 * t + 1]));
        var p = new ThermoPartials { MassVelocitySquared = Term(0), Energy = Term(1) };
        for (var c = 0; c < 6; c++)
        {
            p.Virial[c] = Term(2 + c);
        }
        if (bits.Length == 22)
        {
            p.Bond = Term(8);
            p.Angle = Term(9);
            p.Coulomb = Term(10);
        }
        return p;
    }
}
