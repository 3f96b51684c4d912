namespace Dataflow.Kernels.Md.Bonded;

/// <summary>LAMMPS <c>angle_style harmonic</c>: E = K (theta - theta0)^2 for each angle of a
/// <see cref="MolecularTopology"/> (theta0 given in degrees, K in energy per radian squared).</summary>
/// <remarks>As LAMMPS' src/MOLECULE/angle_harmonic.cpp: with d1 = x_1 - x_2 and d2 = x_3 - x_2 (minimum images),
/// c = cos theta clamped to [-1, 1], s = 1 / max(sin theta, 0.001), a = -2 K (theta - theta0) s; the forces are
/// f1 = a c / r1^2 d1 - a / (r1 r2) d2, f3 = a c / r2^2 d2 - a / (r1 r2) d1, and the vertex takes -(f1 + f3). The
/// virial is d1 f1 + d2 f3; a third of the energy goes to each atom's per-atom energy.</remarks>
public sealed class HarmonicAngles : IForceProvider
{
    private const double Small = 0.001;
    private readonly (int Type, int Atom1, int Atom2, int Atom3)[] _angles;
    private readonly (double K, double Theta0Radians)[] _coefficients;
    private readonly BondedAtoms _atoms = new();

    /// <summary>The angles of <paramref name="topology"/> with its <c>Angle Coeffs</c>, or
    /// <paramref name="coefficients"/> (<c>K theta0</c> per type, degrees) when given.</summary>
    /// <exception cref="ArgumentException">A type without coefficients, or a malformed coefficient line.</exception>
    public HarmonicAngles(MolecularTopology topology, string[]? coefficients = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        _angles = topology.Angles;
        // angle_harmonic.cpp coeff(): theta0 read in degrees, kept in radians as theta0 / 180 * MY_PI.
        _coefficients = BondedAtoms.Coefficients(coefficients ?? topology.AngleCoefficients, topology.AngleTypeCount, "Angle Coeffs")
            .Select(c => (c.K, c.Value / 180.0 * Math.PI)).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "angle/harmonic";

    /// <summary>The angles: type and the three atoms' ids, the vertex second.</summary>
    public IReadOnlyList<(int Type, int Atom1, int Atom2, int Atom3)> Angles => _angles;

    /// <summary>K and theta0 (radians) of angle type <paramref name="type"/> (from 1).</summary>
    public (double K, double Theta0Radians) Coefficients(int type) => _coefficients[type - 1];

    /// <summary>One angle from d1 = x_1 - x_2 and d2 = x_3 - x_2: the forces on atoms 1 and 3 (the vertex takes minus
    /// their sum) and the energy.</summary>
    public static (double F1X, double F1Y, double F1Z, double F3X, double F3Y, double F3Z, double Energy) Term(double k,
        double theta0, double delx1, double dely1, double delz1, double delx2, double dely2, double delz2)
    {
        var rsq1 = delx1 * delx1 + dely1 * dely1 + delz1 * delz1;
        var r1 = Math.Sqrt(rsq1);
        var rsq2 = delx2 * delx2 + dely2 * dely2 + delz2 * delz2;
        var r2 = Math.Sqrt(rsq2);

        var c = delx1 * delx2 + dely1 * dely2 + delz1 * delz2;
        c /= r1 * r2;
        c = Math.Clamp(c, -1.0, 1.0);
        var s = Math.Sqrt(1.0 - c * c);
        if (s < Small)
        {
            s = Small;
        }
        s = 1.0 / s;

        var dtheta = Math.Acos(c) - theta0;
        var tk = k * dtheta;
        var a = -2.0 * tk * s;
        var a11 = a * c / rsq1;
        var a12 = -a / (r1 * r2);
        var a22 = a * c / rsq2;
        return (a11 * delx1 + a12 * delx2, a11 * dely1 + a12 * dely2, a11 * delz1 + a12 * delz2,
            a22 * delx2 + a12 * delx1, a22 * dely2 + a12 * dely1, a22 * delz2 + a12 * delz1, tk * dtheta);
    }

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => null;

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        var f = result.Forces;
        var perAtom = result.Wants(ForceTerms.PerAtomEnergy);
        var energy = 0.0;
        Span<double> virial = stackalloc double[6];
        foreach (var (type, id1, id2, id3) in _angles)
        {
            var i1 = _atoms.IndexOf(state, id1);
            var i2 = _atoms.IndexOf(state, id2);
            var i3 = _atoms.IndexOf(state, id3);
            var (delx1, dely1, delz1) = BondedAtoms.Delta(state, i1, i2);
            var (delx2, dely2, delz2) = BondedAtoms.Delta(state, i3, i2);
            var (k, theta0) = _coefficients[type - 1];
            var (f1x, f1y, f1z, f3x, f3y, f3z, eangle) = Term(k, theta0, delx1, dely1, delz1, delx2, dely2, delz2);

            f[3 * i1] += f1x;
            f[3 * i1 + 1] += f1y;
            f[3 * i1 + 2] += f1z;
            f[3 * i2] -= f1x + f3x;
            f[3 * i2 + 1] -= f1y + f3y;
            f[3 * i2 + 2] -= f1z + f3z;
            f[3 * i3] += f3x;
            f[3 * i3 + 1] += f3y;
            f[3 * i3 + 2] += f3z;

            energy += eangle;
            // Angle::ev_tally.
            virial[0] += delx1 * f1x + delx2 * f3x;
            virial[1] += dely1 * f1y + dely2 * f3y;
            virial[2] += delz1 * f1z + delz2 * f3z;
            virial[3] += delx1 * f1y + delx2 * f3y;
            virial[4] += delx1 * f1z + delx2 * f3z;
            virial[5] += dely1 * f1z + dely2 * f3z;
            if (perAtom)
            {
                var third = eangle / 3.0;
                result.PerAtomEnergy[i1] += third;
                result.PerAtomEnergy[i2] += third;
                result.PerAtomEnergy[i3] += third;
            }
        }
        result.Energy += energy;
        for (var c = 0; c < 6; c++)
        {
            result.Virial[c] += virial[c];
        }
    }
}
