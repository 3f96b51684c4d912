namespace Dataflow.Kernels.Md.LongRange;

/// <summary>An orthogonal periodic box with its lower corner at the origin.</summary>
/// <remarks>Lengths are in the distance unit of the caller's unit system (Å for LAMMPS real and metal,
/// sigma for lj).</remarks>
/// <param name="Lx">Edge along x.</param>
/// <param name="Ly">Edge along y.</param>
/// <param name="Lz">Edge along z.</param>
public readonly record struct OrthogonalBox(double Lx, double Ly, double Lz)
{
    /// <summary>A cube of edge <paramref name="length"/>.</summary>
    public static OrthogonalBox Cube(double length) => new(length, length, length);

    /// <summary>Lx Ly Lz.</summary>
    public double Volume => Lx * Ly * Lz;

    /// <summary>Edge along axis 0 (x), 1 (y) or 2 (z).</summary>
    public double Length(int axis) => axis switch
    {
        0 => Lx,
        1 => Ly,
        2 => Lz,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "axis is 0, 1 or 2"),
    };

    /// <summary>The same box with every edge multiplied by its own factor.</summary>
    public OrthogonalBox Scaled(double sx, double sy, double sz) => new(Lx * sx, Ly * sy, Lz * sz);

    /// <summary>Throws unless every edge is finite and positive.</summary>
    public void Validate()
    {
        if (!(Lx > 0 && Ly > 0 && Lz > 0) || !double.IsFinite(Volume))
        {
            throw new ArgumentException($"box edges must be finite and positive, got {Lx} x {Ly} x {Lz}");
        }
    }
}
