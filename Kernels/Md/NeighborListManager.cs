namespace Dataflow.Kernels.Md;

/// <summary>Keeps the neighbour lists a set of force providers asked for, and rebuilds them on LAMMPS' schedule.</summary>
/// <remarks>
/// <see cref="Decide"/> is LAMMPS' <c>Neighbor::decide</c>: one call per step, counting steps since the last build;
/// <see cref="Build"/> wraps atoms into the box (<c>Domain::pbc</c>), builds every requested kind with the largest
/// requested cutoff plus the skin, and remembers positions for the displacement check.
/// </remarks>
public sealed class NeighborListManager
{
    private readonly NeighborListBuilder _builder;
    private readonly bool _needHalf;
    private readonly bool _needFull;
    private double[] _heldPositions = [];
    private int _stepsSinceBuild;

    /// <summary>A manager for the lists <paramref name="providers"/> request.</summary>
    /// <param name="providers">Force providers; those with a null request need no list.</param>
    /// <param name="settings">Skin and schedule.</param>
    /// <param name="units">Unit style, for the default skin.</param>
    /// <param name="threads">Threads for building; 0 for all processors.</param>
    public NeighborListManager(IEnumerable<IForceProvider> providers, NeighborSettings settings, UnitSystem units, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
        SkinDistance = settings.SkinFor(units);
        foreach (var request in providers.Select(p => p.Neighbors).OfType<NeighborRequest>())
        {
            InteractionCutoff = Math.Max(InteractionCutoff, request.Cutoff);
            _needHalf |= request.Kind == NeighborListKind.Half;
            _needFull |= request.Kind == NeighborListKind.Full;
        }
        _builder = new NeighborListBuilder(threads);
    }

    /// <summary>Skin and schedule.</summary>
    public NeighborSettings Settings { get; }

    /// <summary>Skin in effect, distance units.</summary>
    public double SkinDistance { get; }

    /// <summary>Largest interaction cutoff requested, distance units; 0 when no provider needs a list.</summary>
    public double InteractionCutoff { get; }

    /// <summary>List cutoff: interaction cutoff plus skin.</summary>
    public double ListCutoff => InteractionCutoff + SkinDistance;

    /// <summary>The half list, when a provider asked for one; null before the first build.</summary>
    public NeighborList? Half { get; private set; }

    /// <summary>The full list, when a provider asked for one; null before the first build.</summary>
    public NeighborList? Full { get; private set; }

    /// <summary>Builds so far (LAMMPS' "Neighbor list builds").</summary>
    public int BuildCount { get; private set; }

    /// <summary>Bins along each edge in the last build.</summary>
    public (int X, int Y, int Z) BinCounts => _builder.BinCounts;

    /// <summary>The list of <paramref name="request"/>'s kind, or null for a null request.</summary>
    public NeighborList? ListFor(NeighborRequest? request) => request?.Kind switch
    {
        null => null,
        NeighborListKind.Half => Half,
        _ => Full,
    };

    /// <summary>Whether to rebuild on this step: call once per step, after the positions moved.</summary>
    public bool Decide(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Neighbor::decide: ago++; rebuild if ago >= delay && ago % every == 0, and (with check) if moved far.
        _stepsSinceBuild++;
        if (_stepsSinceBuild < Settings.Delay || _stepsSinceBuild % Settings.Every != 0)
        {
            return false;
        }
        return !Settings.Check || MovedBeyondHalfSkin(state.Positions);
    }

    /// <summary>Wraps atoms into the box, then builds the requested lists.</summary>
    public void Build(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.WrapIntoBox();
        if (_needHalf)
        {
            Half = _builder.Build(state, ListCutoff, NeighborListKind.Half);
        }
        if (_needFull)
        {
            Full = _builder.Build(state, ListCutoff, NeighborListKind.Full);
        }
        if (_heldPositions.Length != state.Positions.Length)
        {
            _heldPositions = new double[state.Positions.Length];
        }
        state.Positions.CopyTo(_heldPositions, 0);
        _stepsSinceBuild = 0;
        BuildCount++;
    }

    // Neighbor::check_distance: any atom displaced by more than skin / 2 since the last build.
    private bool MovedBeyondHalfSkin(double[] x)
    {
        var trigger = 0.25 * SkinDistance * SkinDistance;
        for (var i = 0; i < x.Length; i += 3)
        {
            var dx = x[i] - _heldPositions[i];
            var dy = x[i + 1] - _heldPositions[i + 1];
            var dz = x[i + 2] - _heldPositions[i + 2];
            if (dx * dx + dy * dy + dz * dz > trigger)
            {
                return true;
            }
        }
        return false;
    }
}
