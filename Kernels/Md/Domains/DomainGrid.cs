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

    /// <summary>Number of domains.</summary>
    public int Count => X * Y * Z;

    /// <summary>The axis with the most domains (the first on a tie).</summary>
    public int LongestAxis => X >= Y && X >= Z ? 0 : Y >= Z ? 1 : 2;

    /// <summary>Domain index of grid coordinates: ix + px (iy + py iz).</summary>
    public int Index(int ix, int iy, int iz) => ix + X * (iy + Y * iz);

    /// <summary>Grid coordinates of a domain index.</summary>
    public int[] Coordinates(int index) => [index % X, index / X % Y, index / (X * Y)];

    /// <summary>Parses <c>PXxPYxPZ</c> (e.g. <c>2x2x2</c>) or a single count N (N x 1 x 1).</summary>
    /// <exception cref="FormatException">Not of that form, or a count below 1.</exception>
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
        return new DomainGrid(counts[0], counts[1], counts[2]);
    }

    /// <summary>The grid as <c>PXxPYxPZ</c>.</summary>
    public override string ToString() => $"{X}x{Y}x{Z}";

    /// <summary>Throws <see cref="ArgumentException"/> when a domain along some axis would be narrower than
    /// <paramref name="minimumWidth"/>.</summary>
    public void Validate(OrthogonalBox box, double minimumWidth)
    {
        ArgumentNullException.ThrowIfNull(box);
        if (X < 1 || Y < 1 || Z < 1)
        {
            throw new ArgumentException($"domains {this}: every count must be at least 1", "domains");
        }
        for (var axis = 0; axis < 3; axis++)
        {
            if (box.Length(axis) < minimumWidth)
            {
                throw new ArgumentException(
                    $"the box is {box.Length(axis):G6} long along {"xyz"[axis]}, shorter than the neighbour cutoff {minimumWidth:G6}",
                    "data");
            }
        }
    }
}
