namespace Dataflow.Kernels.Md;

/// <summary>Neighbour-list skin and rebuild schedule, as LAMMPS' <c>neighbor skin bin</c> and
/// <c>neigh_modify every N delay D check yes|no</c> (docs.lammps.org/neigh_modify.html).</summary>
/// <remarks>A rebuild is considered every <see cref="Every"/> steps once <see cref="Delay"/> steps have passed since
/// the last one; with <see cref="Check"/> it happens only if some atom moved more than half the skin since then.
/// Defaults are LAMMPS': every 1, delay 0, check yes, and the unit style's skin.</remarks>
public sealed record NeighborSettings
{
    /// <summary>LAMMPS' defaults.</summary>
    public static NeighborSettings Default { get; } = new();

    /// <summary>Skin added to the interaction cutoff, distance units; null takes the unit style's default
    /// (<see cref="UnitSystem.DefaultSkinDistance"/>).</summary>
    public double? SkinDistance { get; init; }

    /// <summary>Consider a rebuild every this many steps; default 1.</summary>
    public int Every { get; init; } = 1;

    /// <summary>Never rebuild sooner than this many steps after the last build; default 0.</summary>
    public int Delay { get; init; }

    /// <summary>Rebuild only when an atom has moved more than half the skin; default true.</summary>
    public bool Check { get; init; } = true;

    /// <summary>The skin in effect for <paramref name="units"/>.</summary>
    public double SkinFor(UnitSystem units)
    {
        ArgumentNullException.ThrowIfNull(units);
        return SkinDistance ?? units.DefaultSkinDistance;
    }

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Every, 1, nameof(Every));
        ArgumentOutOfRangeException.ThrowIfNegative(Delay, nameof(Delay));
        if (SkinDistance is { } skin)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(skin, nameof(SkinDistance));
        }
    }
}
