namespace Dataflow.Kernels.Md.Script;

/// <summary>A LAMMPS <c>lattice</c> with the default orientation (lattice.cpp): unit-cell vectors a1 a2 a3, basis
/// atoms in lattice coordinates, the scale and the lattice spacings; <see cref="ToBox"/> is
/// <c>Lattice::lattice2box</c> operation for operation, so created atoms sit where LAMMPS puts them, bit for bit
/// (which <c>velocity loop geom</c> hashes).</summary>
public sealed class ScriptLattice
{
    private readonly double[][] _primitive;

    private ScriptLattice(double[][] a, double[][] basis, double scale)
    {
        // primitive[i][j] = a_j[i]: the cell vectors as columns.
        _primitive = [[a[0][0], a[1][0], a[2][0]], [a[0][1], a[1][1], a[2][1]], [a[0][2], a[1][2], a[2][2]]];
        Basis = basis;
        Scale = scale;
        // Lattice spacings: the extent of the unit cell's 8 corners in box coordinates (origin offsets still 0).
        double[] min = [double.MaxValue, double.MaxValue, double.MaxValue];
        double[] max = [double.MinValue, double.MinValue, double.MinValue];
        for (var corner = 0; corner < 8; corner++)
        {
            var p = Transform(corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);
            for (var d = 0; d < 3; d++)
            {
                min[d] = Math.Min(min[d], p[d]);
                max[d] = Math.Max(max[d], p[d]);
            }
        }
        Spacing = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
    }

    /// <summary>Basis atoms, lattice coordinates.</summary>
    public IReadOnlyList<double[]> Basis { get; }

    /// <summary>The scale: the lattice constant (distance units), or for lj units (N_basis / (V_cell rho*))^(1/3).</summary>
    public double Scale { get; }

    /// <summary>Lattice spacings x, y, z (LAMMPS' xlattice ylattice zlattice).</summary>
    public double[] Spacing { get; }

    /// <summary>The unit cell's vectors in lattice units and the lattice's extent along each axis, for box checks.</summary>
    public bool IsAxisAligned =>
        _primitive[0][1] == 0 && _primitive[0][2] == 0 && _primitive[1][0] == 0 && _primitive[1][2] == 0
        && _primitive[2][0] == 0 && _primitive[2][1] == 0;

    /// <summary>The lattice of a <c>lattice</c> command's words (after the command name).</summary>
    /// <param name="words">STYLE SCALE [a1 x y z] [a2 ...] [a3 ...] [basis x y z]...</param>
    /// <param name="units">Unit style (lj takes a reduced density as the scale).</param>
    /// <exception cref="FormatException">A malformed or unsupported lattice.</exception>
    public static ScriptLattice Parse(IReadOnlyList<string> words, UnitSystem units)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(units);
        if (words.Count < 2)
        {
            throw new FormatException("expected STYLE SCALE");
        }
        var style = words[0];
        var given = ScriptNumbers.Double(words[1], "scale");
        if (!(given > 0))
        {
            throw new FormatException($"scale must be > 0 (got {words[1]})");
        }
        double[][] a = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
        var basis = new List<double[]>();
        switch (style)
        {
            case "sc":
                basis.Add([0, 0, 0]);
                break;
            case "bcc":
                basis.Add([0, 0, 0]);
                basis.Add([0.5, 0.5, 0.5]);
                break;
            case "fcc":
                basis.Add([0, 0, 0]);
                basis.Add([0.5, 0.5, 0]);
                basis.Add([0.5, 0, 0.5]);
                basis.Add([0, 0.5, 0.5]);
                break;
            case "custom":
                break;
            default:
                throw new FormatException($"lattice style '{style}' is not supported (sc, bcc, fcc, custom)");
        }
        for (var i = 2; i < words.Count;)
        {
            var key = words[i];
            if (key is "a1" or "a2" or "a3" or "basis")
            {
                if (i + 3 >= words.Count)
                {
                    throw new FormatException($"{key} needs three numbers");
                }
                if (key != "basis" && style != "custom")
                {
                    throw new FormatException($"{key} is only allowed with lattice custom");
                }
                double[] v = [ScriptNumbers.Double(words[i + 1], key), ScriptNumbers.Double(words[i + 2], key), ScriptNumbers.Double(words[i + 3], key)];
                if (key == "basis")
                {
                    if (v.Any(c => c < 0 || c >= 1))
                    {
                        throw new FormatException("basis coordinates must be in [0, 1)");
                    }
                    basis.Add(v);
                }
                else
                {
                    a[key[1] - '1'] = v;
                }
                i += 4;
            }
            else
            {
                throw new FormatException($"lattice keyword '{key}' is not supported (a1, a2, a3, basis)");
            }
        }
        if (basis.Count == 0)
        {
            throw new FormatException("lattice custom needs at least one basis atom");
        }
        var scale = given;
        if (units.Name == "lj")
        {
            // lattice.cpp: scale = pow(nbasis / volume / scale, 1 / dimension), volume = |a1 . (a2 x a3)|.
            double[] cross = [a[1][1] * a[2][2] - a[1][2] * a[2][1], a[1][2] * a[2][0] - a[1][0] * a[2][2], a[1][0] * a[2][1] - a[1][1] * a[2][0]];
            var volume = Math.Abs(a[0][0] * cross[0] + a[0][1] * cross[1] + a[0][2] * cross[2]);
            scale = Math.Pow(basis.Count / volume / given, 1.0 / 3);
        }
        var lattice = new ScriptLattice(a, basis.ToArray(), scale);
        if (!lattice.IsAxisAligned)
        {
            throw new FormatException("only cell vectors along x, y and z are supported (orthogonal boxes)");
        }
        return lattice;
    }

    /// <summary>Box coordinates of lattice point (x, y, z): <c>Lattice::lattice2box</c> with the default orientation
    /// and origin.</summary>
    public double[] ToBox(double x, double y, double z)
    {
        var p = Transform(x, y, z);
        // x + xlattice * origin, origin 0.
        return [p[0] + Spacing[0] * 0.0, p[1] + Spacing[1] * 0.0, p[2] + Spacing[2] * 0.0];
    }

    private double[] Transform(double x, double y, double z)
    {
        var m = _primitive;
        var x1 = m[0][0] * x + m[0][1] * y + m[0][2] * z;
        var y1 = m[1][0] * x + m[1][1] * y + m[1][2] * z;
        var z1 = m[2][0] * x + m[2][1] * y + m[2][2] * z;
        x1 *= Scale;
        y1 *= Scale;
        z1 *= Scale;
        // rotaterow is the identity for the default orient x 1 0 0 y 0 1 0 z 0 0 1.
        var xnew = 1.0 * x1 + 0.0 * y1 + 0.0 * z1;
        var ynew = 0.0 * x1 + 1.0 * y1 + 0.0 * z1;
        var znew = 0.0 * x1 + 0.0 * y1 + 1.0 * z1;
        return [xnew, ynew, znew];
    }
}
