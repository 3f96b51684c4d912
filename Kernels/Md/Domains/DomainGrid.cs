using System.Globalization;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The number of spatial domains along x, y and z (LAMMPS' <c>processors px py pz</c>).</summary>
public sealed record DomainGrid(int X, int Y, int Z)
{
    /// <summary>Domains along <paramref name="axis"/>.</summary>
    public int this[int axis] => axis switch
    {
        0 => X,
        1 => Y,
        2 => Z,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    /// <summary>Most domains in a grid. Each domain is an actor that exchanges ghosts with its neighbours every step,
    /// and each finds its neighbours among all domains at every layout change (count^2 work in all).</summary>
    public const int MaxCount = 4096;

    /// <summary>Number of domains.</summary>
    public int Count => X * Y * Z;

    /// <summary>The axis with the most domains (the first on a tie).</summary>
    public int LongestAxis => X >= Y && X >= Z ? 0 : Y >= Z ? 1 : 2;

    /// <summary>Domain index of grid coordinates: ix + px (iy + py iz).</summary>
    public int Index(int ix, int iy, int iz) => ix + X * (iy + Y * iz);

    /// <summary>Grid coordinates of a domain index.</summary>
    public int[] Coordinates(int index) => [index % X, index / X % Y, index / (X * Y)];

    /// <summary>Parses <c>PXxPYxPZ</c> (e.g. <c>2x2x2</c>) or a single count N (N x 1 x 1).</summary>
    /// <exception cref="FormatException">Not of that form, a count below 1, or more than <see cref="MaxCount"/>
    /// domains.</exception>
    public static DomainGrid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().ToLowerInvariant().Split('x');
        var counts = new int[3] { 1, 1, 1 };
        if (parts.Length is not (1 or 3))
        {
            throw new FormatException($"domains '{text}': expected PXxPYxPZ such as 2x2x2, or a count");
        }
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out counts[i]) || counts[i] < 1)
            {
                throw new FormatException($"domains '{text}': '{parts[i]}' is not a positive whole number");
            }
        }
        var total = (long)counts[0] * counts[1] * counts[2];
        if (total > MaxCount)
        {
            throw new FormatException($"domains '{text}': {total} domains; at most {MaxCount} are supported");
        }
        return new DomainGrid(counts[0], counts[1], counts[2]);
    }

    /// <summary>The grid as <c>PXxPYxPZ</c>.</summary>
    public override string ToString() => $"{X}x{Y}x{Z}";

    /// <summary>Throws <see cref="ArgumentException"/> naming <c>domains</c> unless this grid suits
    /// <paramref name="box"/>, <paramref name="ghostCutoff"/> and <paramref name="atomCount"/>.</summary>
    /// <remarks>
    /// <para>The box must be at least <paramref name="ghostCutoff"/> long along every axis: ghosts are the periodic
    /// images one box length away.</para>
    /// <para>Each domain of the even initial layout must be at least half the ghost cut-off wide along every axis.
    /// A domain takes ghosts from every domain within the cut-off (<see cref="DomainLayout.Neighbors"/>), so narrower
    /// domains still give the same results, but a domain of width w holds about (1 + 2 rc / w)^3 times its own
    /// volume in ghosts: 27 times at w = rc, 125 at rc / 2, 9,261 at rc / 10. (Ring balancing may later narrow
    /// some domains; it moves a boundary by at most a third of a width per round.)</para>
    /// <para>No more domains than atoms, and at most <see cref="MaxCount"/>.</para>
    /// </remarks>
    /// <param name="box">The periodic box.</param>
    /// <param name="ghostCutoff">Ghost and neighbour-list cut-off: the largest pair cut-off plus the skin.</param>
    /// <param name="atomCount">Atoms in the system.</param>
    public void Validate(OrthogonalBox box, double ghostCutoff, int atomCount)
    {
        ArgumentNullException.ThrowIfNull(box);
        if (X < 1 || Y < 1 || Z < 1)
        {
            throw new ArgumentException($"domains {this}: every count must be at least 1", "domains");
        }
        var total = (long)X * Y * Z;
        if (total > MaxCount)
        {
            throw new ArgumentException($"domains {this}: {total} domains; at most {MaxCount} are supported", "domains");
        }
        for (var axis = 0; axis < 3; axis++)
        {
            if (box.Length(axis) < ghostCutoff)
            {
                throw new ArgumentException(
                    $"the box is {box.Length(axis):G6} long along {"xyz"[axis]}, shorter than the neighbour cutoff {ghostCutoff:G6}",
                    "data");
            }
        }
        for (var axis = 0; axis < 3; axis++)
        {
            var width = box.Length(axis) / this[axis];
            if (width < ghostCutoff / 2)
            {
                var most = Math.Max(1, (int)Math.Floor(box.Length(axis) / (ghostCutoff / 2)));
                throw new ArgumentException(
                    $"domains {this}: {this[axis]} domains along {"xyz"[axis]} would each be {width:G4} wide, narrower than half "
                    + $"the ghost cut-off {ghostCutoff:G4} (pair cut-off + skin); the box is {box.Length(axis):G6} long along "
                    + $"{"xyz"[axis]}, so at most {most} domains fit along it", "domains");
            }
        }
        if (total > Math.Max(atomCount, 1))
        {
            throw new ArgumentException(
                $"domains {this}: {total} domains for {atomCount} atoms; use at most one domain per atom", "domains");
        }
    }
}
