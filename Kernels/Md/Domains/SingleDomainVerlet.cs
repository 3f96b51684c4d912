namespace Dataflow.Kernels.Md.Domains;

/// <summary>NVE steps of a whole periodic box as one domain with ghost atoms, through <see cref="DomainNeighborList"/>
/// and an <see cref="IDomainPairStyle"/>: what one domain actor of the decomposed engine computes, as
/// <see cref="MdBenchmark"/> times it.</summary>
/// <remarks>
/// As LAMMPS with one process: at each rebuild the atoms are wrapped into the box, every periodic image x + s L
/// (s != 0) within the list cutoff of the box becomes a ghost with key id * 27 + shift index, and the list is built;
/// between rebuilds the ghosts follow their atoms (LAMMPS' forward communication). The step is
/// <see cref="MdSimulation"/>'s: velocity Verlet, rebuild every <c>every</c> steps without a check, energy and
/// virial on thermo steps only. Forces do not depend on the thread count, so neither does any bit of the run.
/// </remarks>
public sealed class SingleDomainVerlet
{
    private readonly MdState _state;
    private readonly IDomainPairStyle _pair;
    private readonly double _listCutoff;
    private readonly int _every;
    private readonly DomainNeighborList _list;
    private readonly VelocityVerlet _integrator = new();
    private readonly ForceResult _forces;
    private readonly List<(int Atom, int Sx, int Sy, int Sz)> _ghosts = [];
    private double[] _positions = [];
    private int[] _types = [];
    private double[]? _charges;
    private long[] _keys = [];

    /// <summary>A run of <paramref name="state"/> with <paramref name="pair"/>.</summary>
    /// <param name="state">Atoms, units and timestep; advanced in place. Box edges must be at least the list cutoff.</param>
    /// <param name="pair">The pair style's domain loop.</param>
    /// <param name="skinDistance">Neighbour skin, distance units (LAMMPS <c>neighbor skin bin</c>).</param>
    /// <param name="rebuildEvery">Rebuild ghosts and list every this many steps (<c>neigh_modify every N check no</c>).</param>
    /// <param name="threads">Threads of the list builds.</param>
    public SingleDomainVerlet(MdState state, IDomainPairStyle pair, double skinDistance, int rebuildEvery, int threads)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentOutOfRangeException.ThrowIfNegative(skinDistance);
        ArgumentOutOfRangeException.ThrowIfLessThan(rebuildEvery, 1);
        _state = state;
        _pair = pair;
        _listCutoff = pair.Cutoff + skinDistance;
        _every = rebuildEvery;
        _list = new DomainNeighborList(threads);
        _forces = new ForceResult(state.AtomCount);
        var box = state.Box;
        if (Math.Min(box.LengthX, Math.Min(box.LengthY, box.LengthZ)) < _listCutoff)
        {
            throw new ArgumentException($"a box edge is shorter than the list cutoff {_listCutoff}: one image per axis is not enough", nameof(state));
        }
    }

    /// <summary>The list of the last rebuild.</summary>
    public DomainNeighborList List => _list;

    /// <summary>Sets up (rebuild, forces with energy and virial), runs <paramref name="steps"/> steps and returns
    /// the thermo line of the last, as <see cref="MdSimulation.Run"/> does.</summary>
    /// <param name="steps">Steps to run.</param>
    /// <param name="thermoEvery">Report every this many steps; 0 reports only the first and last.</param>
    /// <param name="thermo">Receives each report; may be null.</param>
    public ThermoSample Run(int steps, int thermoEvery = 0, Action<ThermoSample>? thermo = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(thermoEvery);
        var last = _state.Step + steps;
        Rebuild();
        Compute(ForceTerms.Energy | ForceTerms.Virial);
        var sample = Thermo.Sample(_state, _forces.Energy, _forces.Virial, null);
        thermo?.Invoke(sample);
        for (var n = 0; n < steps; n++)
        {
            _state.Step++;
            _integrator.InitialIntegrate(_state, _forces.Forces);
            if (_state.Step % _every == 0)
            {
                Rebuild();
            }
            else
            {
                ForwardPositions();
            }
            var report = _state.Step == last || (thermoEvery > 0 && _state.Step % thermoEvery == 0);
            Compute(report ? ForceTerms.Energy | ForceTerms.Virial : ForceTerms.Forces);
            _integrator.FinalIntegrate(_state, _forces.Forces);
            if (report)
            {
                sample = Thermo.Sample(_state, _forces.Energy, _forces.Virial, null);
                thermo?.Invoke(sample);
            }
        }
        return sample;
    }

    private void Compute(ForceTerms terms)
    {
        _forces.Requested = terms;
        _forces.Clear();
        _pair.Compute(_list, _positions, _types, _charges, _forces);
    }

    // Domain::pbc, then Comm::borders for one process: the ghosts are the images within the list cutoff of the box.
    private void Rebuild()
    {
        _state.WrapIntoBox();
        var box = _state.Box;
        var x = _state.Positions;
        var n = _state.AtomCount;
        _ghosts.Clear();
        Span<int> low = stackalloc int[3];
        Span<int> high = stackalloc int[3];
        for (var i = 0; i < n; i++)
        {
            // Per axis, the shifts that bring the image within the cutoff of the box: +1 near the low face, -1 near
            // the high face; the corner and edge images then pass the distance test on all axes together.
            for (var a = 0; a < 3; a++)
            {
                low[a] = box.Hi(a) - x[3 * i + a] < _listCutoff ? -1 : 0;
                high[a] = x[3 * i + a] - box.Lo(a) < _listCutoff ? 1 : 0;
            }
            for (var sz = low[2]; sz <= high[2]; sz++)
            {
                for (var sy = low[1]; sy <= high[1]; sy++)
                {
                    for (var sx = low[0]; sx <= high[0]; sx++)
                    {
                        if ((sx | sy | sz) == 0)
                        {
                            continue;
                        }
                        var dx = Outside(x[3 * i] + sx * box.LengthX, box.XLo, box.XHi);
                        var dy = Outside(x[3 * i + 1] + sy * box.LengthY, box.YLo, box.YHi);
                        var dz = Outside(x[3 * i + 2] + sz * box.LengthZ, box.ZLo, box.ZHi);
                        if (dx * dx + dy * dy + dz * dz < _listCutoff * _listCutoff)
                        {
                            _ghosts.Add((i, sx, sy, sz));
                        }
                    }
                }
            }
        }
        var count = n + _ghosts.Count;
        if (_positions.Length < 3 * count)
        {
            var capacity = count + count / 8;
            _positions = new double[3 * capacity];
            _types = new int[capacity];
            _keys = new long[capacity];
            _charges = _state.Charges is null ? null : new double[capacity];
        }
        var ids = _state.Ids;
        for (var i = 0; i < n; i++)
        {
            _types[i] = _state.Types[i];
            _keys[i] = (long)ids[i] * 27 + 13;
            if (_charges is not null)
            {
                _charges[i] = _state.Charges![i];
            }
        }
        for (var g = 0; g < _ghosts.Count; g++)
        {
            var (atom, sx, sy, sz) = _ghosts[g];
            _types[n + g] = _state.Types[atom];
            _keys[n + g] = (long)ids[atom] * 27 + (sx + 1) + 3 * (sy + 1) + 9 * (sz + 1);
            if (_charges is not null)
            {
                _charges[n + g] = _state.Charges![atom];
            }
        }
        ForwardPositions();
        _list.Build(_positions, count, n, _keys, _listCutoff);
    }

    // Comm::forward_comm: owned positions as they are, ghosts as x + s L.
    private void ForwardPositions()
    {
        var box = _state.Box;
        var x = _state.Positions;
        var n = _state.AtomCount;
        x.AsSpan(0, 3 * n).CopyTo(_positions);
        for (var g = 0; g < _ghosts.Count; g++)
        {
            var (atom, sx, sy, sz) = _ghosts[g];
            var o = 3 * (n + g);
            _positions[o] = x[3 * atom] + sx * box.LengthX;
            _positions[o + 1] = x[3 * atom + 1] + sy * box.LengthY;
            _positions[o + 2] = x[3 * atom + 2] + sz * box.LengthZ;
        }
    }

    private static double Outside(double p, double lo, double hi) => Math.Max(Math.Max(lo - p, p - hi), 0);
}
