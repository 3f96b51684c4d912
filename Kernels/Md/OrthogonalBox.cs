namespace Dataflow.Kernels.Md;

/// <summary>An orthogonal simulation box, periodic in x, y and z (LAMMPS <c>boundary p p p</c>).</summary>
/// <param name="XLo">Lower x bound (data-file <c>xlo</c>).</param>
/// <param name="XHi">Upper x bound (<c>xhi</c>).</param>
/// <param name="YLo">Lower y bound.</param>
/// <param name="YHi">Upper y bound.</param>
/// <param name="ZLo">Lower z bound.</param>
/// <param name="ZHi">Upper z bound.</param>
/// <remarks>Distances are in the unit style's distance unit. Tilted (triclinic) boxes are not supported.</remarks>
public sealed record OrthogonalBox(double XLo, double XHi, double YLo, double YHi, double ZLo, double ZHi)
{
    /// <summary>A box from the origin to <paramref name="lengthX"/>, <paramref name="lengthY"/>,
    /// <paramref name="lengthZ"/>.</summary>
    public static OrthogonalBox FromLengths(double lengthX, double lengthY, double lengthZ) =>
        new(0, lengthX, 0, lengthY, 0, lengthZ);

    /// <summary>Edge length along x (LAMMPS <c>xprd</c>).</summary>
    public double LengthX => XHi - XLo;

    /// <summary>Edge length along y (<c>yprd</c>).</summary>
    public double LengthY => YHi - YLo;

    /// <summary>Edge length along z (<c>zprd</c>).</summary>
    public double LengthZ => ZHi - ZLo;

    /// <summary>Volume, distance unit cubed; computed as LAMMPS does, <c>xprd * yprd * zprd</c>.</summary>
    public double Volume => LengthX * LengthY * LengthZ;

    /// <summary>Lower bound along <paramref name="axis"/> (0 = x, 1 = y, 2 = z).</summary>
    public double Lo(int axis) => axis switch
    {
        0 => XLo,
        1 => YLo,
        2 => ZLo,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    /// <summary>Upper bound along <paramref name="axis"/> (0 = x, 1 = y, 2 = z).</summary>
    public double Hi(int axis) => axis switch
    {
        0 => XHi,
        1 => YHi,
        2 => ZHi,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    /// <summary>Edge length along <paramref name="axis"/> (0 = x, 1 = y, 2 = z).</summary>
    public double Length(int axis) => axis switch
    {
        0 => LengthX,
        1 => LengthY,
        2 => LengthZ,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    /// <summary>The same box scaled about its centre by <paramref name="factor"/> along every axis, as LAMMPS'
    /// <c>change_box all x scale f y scale f z scale f</c>.</summary>
    public OrthogonalBox ScaledAboutCenter(double factor)
    {
        static (double Lo, double Hi) Scale(double lo, double hi, double f)
        {
            var center = 0.5 * (lo + hi);
            return ((lo - center) * f + center, (hi - center) * f + center);
        }
        var (xlo, xhi) = Scale(XLo, XHi, factor);
        var (ylo, yhi) = Scale(YLo, YHi, factor);
        var (zlo, zhi) = Scale(ZLo, ZHi, factor);
        return new OrthogonalBox(xlo, xhi, ylo, yhi, zlo, zhi);
    }

    /// <summary>Throws unless every edge is positive and finite.</summary>
    public void Validate()
    {
        for (var axis = 0; axis < 3; axis++)
        {
            var length = Length(axis);
            if (!(length > 0) || !double.IsFinite(length))
            {
                throw new ArgumentException($"box edge {"xyz"[axis]} has length {length}; it must be positive and finite");
            }
        }
    }
}
