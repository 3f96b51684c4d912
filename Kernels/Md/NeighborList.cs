namespace Dataflow.Kernels.Md;

/// <summary>A Verlet neighbour list: for each atom, the atoms within the list cutoff (interaction cutoff plus
/// skin) when it was built, each with the periodic image it was found in.</summary>
/// <remarks>
/// <para>Layout (compressed rows): the neighbours of atom i are <c>Entries[Offsets[i] .. Offsets[i + 1])</c>. An
/// entry packs the neighbour's index j with the image shift s = (sx, sy, sz), each -1, 0 or +1 box length:
/// the neighbour sits at <c>x_j + s * L</c> as seen from i, like a LAMMPS ghost atom. Decode with
/// <see cref="AtomOf"/> and <see cref="ShiftOf"/>; <see cref="Encode"/> builds one. Storing the image instead
/// of applying the minimum-image rule on every evaluation keeps a pair on the same image until the next build,
/// as LAMMPS' ghost atoms do, and needs no rounding in the pair loop; it also allows boxes as short as the list
/// cutoff, where one neighbour can appear in several images.</para>
/// <para>The constructor checks every entry, so pair loops may index positions without further bounds checks.</para>
/// <para>Limits: at most <see cref="MaxAtoms"/> atoms per list (25 bits of the entry; the other 6 hold the shift).</para>
/// </remarks>
public sealed class NeighborList
{
    /// <summary>Most atoms a list can index.</summary>
    public const int MaxAtoms = (1 << 25) - 1;

    private const int ShiftBits = 6;

    /// <summary>A list over <c>offsets.Length - 1</c> atoms; arrays are taken, not copied.</summary>
    public NeighborList(NeighborListKind kind, double cutoffDistance, OrthogonalBox box, int[] offsets, int[] entries)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(entries);
        if (offsets.Length < 1 || offsets[0] != 0 || offsets[^1] > entries.Length)
        {
            throw new ArgumentException("offsets must have N + 1 elements from 0 to at most entries.Length", nameof(offsets));
        }
        // Pair loops index positions by these entries without bounds checks: check every one here, once per build.
        var n = offsets.Length - 1;
        for (var i = 0; i < n; i++)
        {
            if (offsets[i + 1] < offsets[i])
            {
                throw new ArgumentException($"offsets decrease at atom {i}", nameof(offsets));
            }
        }
        for (var k = 0; k < offsets[^1]; k++)
        {
            if ((uint)AtomOf(entries[k]) >= (uint)n || (entries[k] & 3) == 3 || ((entries[k] >> 2) & 3) == 3 || ((entries[k] >> 4) & 3) == 3)
            {
                throw new ArgumentException($"entry {k} ({entries[k]}) names no atom of {n} or no image shift", nameof(entries));
            }
        }
        Kind = kind;
        CutoffDistance = cutoffDistance;
        Box = box;
        Offsets = offsets;
        Entries = entries;
    }

    /// <summary>Half or full.</summary>
    public NeighborListKind Kind { get; }

    /// <summary>The list cutoff, interaction cutoff plus skin, distance units.</summary>
    public double CutoffDistance { get; }

    /// <summary>The box the images refer to.</summary>
    public OrthogonalBox Box { get; }

    /// <summary>Number of atoms the list covers.</summary>
    public int AtomCount => Offsets.Length - 1;

    /// <summary>Start of each atom's neighbours in <see cref="Entries"/>, N + 1 elements.</summary>
    public int[] Offsets { get; }

    /// <summary>Packed neighbour entries; only the first <c>Offsets[N]</c> are used.</summary>
    public int[] Entries { get; }

    /// <summary>Number of (atom, neighbour) entries: pairs for a half list, twice the pairs for a full one.</summary>
    public int EntryCount => Offsets[^1];

    /// <summary>Splits the atoms into <paramref name="parts"/> contiguous ranges holding about equal numbers of list
    /// entries (so threads get equal pair work): part t covers atoms [bounds[t], bounds[t + 1]).</summary>
    public int[] BalancedAtomRanges(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var atoms = Offsets.Length - 1;
        var bounds = new int[parts + 1];
        for (var t = 1; t < parts; t++)
        {
            // First atom whose entries start at or after the t-th share of all entries (binary search).
            var target = (int)((long)EntryCount * t / parts);
            int lo = 0, hi = atoms;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (Offsets[mid] < target)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            bounds[t] = lo;
        }
        bounds[parts] = atoms;
        return bounds;
    }

    /// <summary>Packs neighbour <paramref name="atom"/> seen through image shift (sx, sy, sz), each -1, 0 or 1.</summary>
    public static int Encode(int atom, int sx, int sy, int sz) =>
        (atom << ShiftBits) | ((sx + 1) | ((sy + 1) << 2) | ((sz + 1) << 4));

    /// <summary>The neighbour's atom index in an entry.</summary>
    public static int AtomOf(int entry) => entry >> ShiftBits;

    /// <summary>The image shift along <paramref name="axis"/> (0 = x, 1 = y, 2 = z) in an entry: -1, 0 or 1.</summary>
    public static int ShiftOf(int entry, int axis) => ((entry >> (2 * axis)) & 3) - 1;

    /// <summary>The list as one array: N + 1 offsets into the array itself, then the entries. This is the layout the
    /// GPU kernels take, so that a list is one kernel argument.</summary>
    public int[] ToPacked()
    {
        var n = AtomCount;
        var packed = new int[n + 1 + EntryCount];
        for (var i = 0; i <= n; i++)
        {
            packed[i] = Offsets[i] + n + 1;
        }
        Array.Copy(Entries, 0, packed, n + 1, EntryCount);
        return packed;
    }
}
