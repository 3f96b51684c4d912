namespace Dataflow.Kernels.Md.Bonded;

/// <summary>What the bonded styles share: atom indices by id, and LAMMPS' minimum-image convention.</summary>
internal sealed class BondedAtoms
{
    private Dictionary<int, int> _indexOfId = [];
    private int[]? _ids;

    /// <summary>The index of atom <paramref name="id"/> in <paramref name="state"/> (the map is rebuilt when the state's
    /// id array changes).</summary>
    public int IndexOf(MdState state, int id)
    {
        var ids = state.Ids;
        if (!ReferenceEquals(ids, _ids) || _indexOfId.Count != ids.Length)
        {
            _indexOfId = new Dictionary<int, int>(ids.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                _indexOfId[ids[i]] = i;
            }
            _ids = ids;
        }
        return _indexOfId.TryGetValue(id, out var index) && ids[index] == id
            ? index
            : throw new InvalidOperationException($"bonded atom id {id} is not in the system");
    }

    /// <summary>x_i - x_j along each axis, folded to the nearest periodic image (LAMMPS Domain::minimum_image: one
    /// box length at most, for a bond shorter than half the box).</summary>
    public static (double X, double Y, double Z) Delta(MdState state, int i, int j)
    {
        var x = state.Positions;
        var box = state.Box;
        return (Fold(x[3 * i] - x[3 * j], box.LengthX), Fold(x[3 * i + 1] - x[3 * j + 1], box.LengthY),
            Fold(x[3 * i + 2] - x[3 * j + 2], box.LengthZ));
    }

    private static double Fold(double d, double length)
    {
        var half = 0.5 * length;
        if (Math.Abs(d) > half)
        {
            d = d < 0.0 ? d + length : d - length;
        }
        return d;
    }

    /// <summary>Parses style coefficient lines (<see cref="MolecularTopology.BondCoefficients"/>): two numbers a type.</summary>
    public static (double K, double Value)[] Coefficients(string[]? lines, int types, string what)
    {
        if (types > 0 && (lines is null || lines.Length != types))
        {
            throw new ArgumentException($"{what}: coefficients for {types} type(s) are needed (a '{what}' section or command)");
        }
        return (lines ?? []).Select((line, t) =>
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 2
                || !double.TryParse(f[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var k)
                || !double.TryParse(f[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rest)
                || !double.IsFinite(k) || !double.IsFinite(rest))
            {
                throw new ArgumentException($"{what} of type {t + 1}: '{line}': expected K and a rest value (harmonic)");
            }
            return (k, rest);
        }).ToArray();
    }
}
