namespace Dataflow.Kernels.Md.Constraints;

/// <summary>The SHAKE equations of one cluster (LAMMPS fix_shake.cpp: shake, shake3, shake4, shake3angle): the Lagrange
/// multipliers that bring the positions predicted for the next step back onto the constrained distances, as forces
/// along the bonds of the current positions.</summary>
/// <remarks>
/// Ryckaert, Ciccotti and Berendsen, J. Comput. Phys. 23, 327 (1977), solved as LAMMPS does: a 2-atom cluster by the
/// exact root of the quadratic, larger clusters by iterating the linearised equations with the quadratic terms of the
/// previous iterate until no multiplier moves by more than the tolerance (or the iteration limit). The arithmetic follows
/// fix_shake.cpp term by term, so the multipliers are LAMMPS' to rounding.
/// </remarks>
public static class ShakeSolver
{
    /// <summary>Solves a cluster and adds the constraint force on member <paramref name="member"/>.</summary>
    /// <param name="cluster">The cluster (kind and distances).</param>
    /// <param name="x">Current positions of the members (3 each, cluster order), images nearest one another.</param>
    /// <param name="predicted">Unconstrained positions after the next drift (x + dt v + dtfsq F / m), same images.</param>
    /// <param name="inverseMass">1 / m per member.</param>
    /// <param name="tolerance">LAMMPS' tol.</param>
    /// <param name="maxIterations">LAMMPS' iter.</param>
    /// <param name="dtfsq">dt^2 ftm2v (dt^2 / 2 ftm2v at a run's setup).</param>
    /// <param name="member">Which member's force to add.</param>
    /// <param name="force">That member's force, added to.</param>
    /// <param name="virial">The cluster's whole virial (xx yy zz xy xz yz), set.</param>
    public static void Solve(ShakeCluster cluster, ReadOnlySpan<double> x, ReadOnlySpan<double> predicted, ReadOnlySpan<double> inverseMass,
        double tolerance, int maxIterations, double dtfsq, int member, Span<double> force, Span<double> virial)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        // Bond vectors: r[k] is central - partner k+1 (k < n-1); for an angle cluster r[2] is partner 1 - partner 2.
        var n = cluster.Atoms.Length;
        var vectors = cluster.Kind == 1 ? 3 : n - 1;
        Span<double> r = stackalloc double[9];
        Span<double> s = stackalloc double[9];
        for (var k = 0; k < n - 1; k++)
        {
            for (var a = 0; a < 3; a++)
            {
                r[3 * k + a] = x[a] - x[3 * (k + 1) + a];
                s[3 * k + a] = predicted[a] - predicted[3 * (k + 1) + a];
            }
        }
        if (cluster.Kind == 1)
        {
            for (var a = 0; a < 3; a++)
            {
                r[6 + a] = x[3 + a] - x[6 + a];
                s[6 + a] = predicted[3 + a] - predicted[6 + a];
            }
        }
        Span<double> lamda = stackalloc double[3];
        switch (cluster.Kind)
        {
            case 2:
                lamda[0] = Pair(r, s, inverseMass[0], inverseMass[1], cluster.Distances[0]);
                break;
            case 3:
                Three(r, s, inverseMass, cluster.Distances, tolerance, maxIterations, lamda);
                break;
            case 1:
                Angle(r, s, inverseMass, cluster.Distances, tolerance, maxIterations, lamda);
                break;
            default:
                throw new NotSupportedException("SHAKE clusters of 4 atoms are not supported");
        }
        for (var k = 0; k < vectors; k++)
        {
            lamda[k] /= dtfsq;
        }
        // The forces of fix_shake.cpp, written as there: the central atom gets +l r for each of its bonds, a partner -l r.
        for (var a = 0; a < 3; a++)
        {
            var r01 = r[a];
            var r02 = r[3 + a];
            var r12 = r[6 + a];
            force[a] += member switch
            {
                0 => cluster.Kind == 2 ? lamda[0] * r01 : lamda[0] * r01 + lamda[1] * r02,
                1 => cluster.Kind == 1 ? -(lamda[0] * r01 - lamda[2] * r12) : -(lamda[0] * r01),
                _ => cluster.Kind == 1 ? -(lamda[1] * r02 + lamda[2] * r12) : -(lamda[1] * r02),
            };
        }
        virial.Clear();
        for (var k = 0; k < vectors; k++)
        {
            var rx = r[3 * k];
            var ry = r[3 * k + 1];
            var rz = r[3 * k + 2];
            virial[0] += lamda[k] * rx * rx;
            virial[1] += lamda[k] * ry * ry;
            virial[2] += lamda[k] * rz * rz;
            virial[3] += lamda[k] * rx * ry;
            virial[4] += lamda[k] * rx * rz;
            virial[5] += lamda[k] * ry * rz;
        }
    }

    private static double Dot(ReadOnlySpan<double> a, int i, ReadOnlySpan<double> b, int j) =>
        a[3 * i] * b[3 * j] + a[3 * i + 1] * b[3 * j + 1] + a[3 * i + 2] * b[3 * j + 2];

    // FixShake::shake: the exact root of smaller magnitude of the quadratic in lamda.
    private static double Pair(ReadOnlySpan<double> r, ReadOnlySpan<double> s, double invmass0, double invmass1, double bond1)
    {
        var r01sq = Dot(r, 0, r, 0);
        var s01sq = Dot(s, 0, s, 0);
        var a = (invmass0 + invmass1) * (invmass0 + invmass1) * r01sq;
        var b = 2.0 * (invmass0 + invmass1) * Dot(s, 0, r, 0);
        var c = s01sq - bond1 * bond1;
        var determ = b * b - 4.0 * a * c;
        if (determ < 0.0)
        {
            determ = 0.0;
        }
        var lamda1 = (-b + Math.Sqrt(determ)) / (2.0 * a);
        var lamda2 = (-b - Math.Sqrt(determ)) / (2.0 * a);
        return Math.Abs(lamda1) <= Math.Abs(lamda2) ? lamda1 : lamda2;
    }

    // FixShake::shake3.
    private static void Three(ReadOnlySpan<double> r, ReadOnlySpan<double> s, ReadOnlySpan<double> im, double[] d, double tolerance,
        int maxIterations, Span<double> lamda)
    {
        double invmass0 = im[0], invmass1 = im[1], invmass2 = im[2];
        var r01sq = Dot(r, 0, r, 0);
        var r02sq = Dot(r, 1, r, 1);
        var s01sq = Dot(s, 0, s, 0);
        var s02sq = Dot(s, 1, s, 1);
        var a11 = 2.0 * (invmass0 + invmass1) * Dot(s, 0, r, 0);
        var a12 = 2.0 * invmass0 * Dot(s, 0, r, 1);
        var a21 = 2.0 * invmass0 * Dot(s, 1, r, 0);
        var a22 = 2.0 * (invmass0 + invmass2) * Dot(s, 1, r, 1);
        var determ = a11 * a22 - a12 * a21;
        if (determ == 0.0)
        {
            throw new ArithmeticException("SHAKE determinant = 0");
        }
        var determinv = 1.0 / determ;
        var a11inv = a22 * determinv;
        var a12inv = -a12 * determinv;
        var a21inv = -a21 * determinv;
        var a22inv = a11 * determinv;
        var r0102 = Dot(r, 0, r, 1);
        var quad1_0101 = (invmass0 + invmass1) * (invmass0 + invmass1) * r01sq;
        var quad1_0202 = invmass0 * invmass0 * r02sq;
        var quad1_0102 = 2.0 * (invmass0 + invmass1) * invmass0 * r0102;
        var quad2_0202 = (invmass0 + invmass2) * (invmass0 + invmass2) * r02sq;
        var quad2_0101 = invmass0 * invmass0 * r01sq;
        var quad2_0102 = 2.0 * (invmass0 + invmass2) * invmass0 * r0102;
        double lamda01 = 0.0, lamda02 = 0.0;
        var done = false;
        for (var niter = 0; !done && niter < maxIterations; niter++)
        {
            var quad1 = quad1_0101 * lamda01 * lamda01 + quad1_0202 * lamda02 * lamda02 + quad1_0102 * lamda01 * lamda02;
            var quad2 = quad2_0101 * lamda01 * lamda01 + quad2_0202 * lamda02 * lamda02 + quad2_0102 * lamda01 * lamda02;
            var b1 = d[0] * d[0] - s01sq - quad1;
            var b2 = d[1] * d[1] - s02sq - quad2;
            var lamda01New = a11inv * b1 + a12inv * b2;
            var lamda02New = a21inv * b1 + a22inv * b2;
            done = Math.Abs(lamda01New - lamda01) <= tolerance && Math.Abs(lamda02New - lamda02) <= tolerance;
            lamda01 = lamda01New;
            lamda02 = lamda02New;
            if (Math.Abs(lamda01) > 1e150 || Math.Abs(lamda02) > 1e150)
            {
                done = true;
            }
        }
        lamda[0] = lamda01;
        lamda[1] = lamda02;
    }

    // FixShake::shake3angle: two bonds and the distance between the partners.
    private static void Angle(ReadOnlySpan<double> r, ReadOnlySpan<double> s, ReadOnlySpan<double> im, double[] d, double tolerance,
        int maxIterations, Span<double> lamda)
    {
        double invmass0 = im[0], invmass1 = im[1], invmass2 = im[2];
        var r01sq = Dot(r, 0, r, 0);
        var r02sq = Dot(r, 1, r, 1);
        var r12sq = Dot(r, 2, r, 2);
        var s01sq = Dot(s, 0, s, 0);
        var s02sq = Dot(s, 1, s, 1);
        var s12sq = Dot(s, 2, s, 2);
        var a11 = 2.0 * (invmass0 + invmass1) * Dot(s, 0, r, 0);
        var a12 = 2.0 * invmass0 * Dot(s, 0, r, 1);
        var a13 = -2.0 * invmass1 * Dot(s, 0, r, 2);
        var a21 = 2.0 * invmass0 * Dot(s, 1, r, 0);
        var a22 = 2.0 * (invmass0 + invmass2) * Dot(s, 1, r, 1);
        var a23 = 2.0 * invmass2 * Dot(s, 1, r, 2);
        var a31 = -2.0 * invmass1 * Dot(s, 2, r, 0);
        var a32 = 2.0 * invmass2 * Dot(s, 2, r, 1);
        var a33 = 2.0 * (invmass1 + invmass2) * Dot(s, 2, r, 2);
        var determ = a11 * a22 * a33 + a12 * a23 * a31 + a13 * a21 * a32 - a11 * a23 * a32 - a12 * a21 * a33 - a13 * a22 * a31;
        if (determ == 0.0)
        {
            throw new ArithmeticException("SHAKE determinant = 0");
        }
        var determinv = 1.0 / determ;
        var a11inv = determinv * (a22 * a33 - a23 * a32);
        var a12inv = -determinv * (a12 * a33 - a13 * a32);
        var a13inv = determinv * (a12 * a23 - a13 * a22);
        var a21inv = -determinv * (a21 * a33 - a23 * a31);
        var a22inv = determinv * (a11 * a33 - a13 * a31);
        var a23inv = -determinv * (a11 * a23 - a13 * a21);
        var a31inv = determinv * (a21 * a32 - a22 * a31);
        var a32inv = -determinv * (a11 * a32 - a12 * a31);
        var a33inv = determinv * (a11 * a22 - a12 * a21);
        var r0102 = Dot(r, 0, r, 1);
        var r0112 = Dot(r, 0, r, 2);
        var r0212 = Dot(r, 1, r, 2);
        var quad1_0101 = (invmass0 + invmass1) * (invmass0 + invmass1) * r01sq;
        var quad1_0202 = invmass0 * invmass0 * r02sq;
        var quad1_1212 = invmass1 * invmass1 * r12sq;
        var quad1_0102 = 2.0 * (invmass0 + invmass1) * invmass0 * r0102;
        var quad1_0112 = -2.0 * (invmass0 + invmass1) * invmass1 * r0112;
        var quad1_0212 = -2.0 * invmass0 * invmass1 * r0212;
        var quad2_0101 = invmass0 * invmass0 * r01sq;
        var quad2_0202 = (invmass0 + invmass2) * (invmass0 + invmass2) * r02sq;
        var quad2_1212 = invmass2 * invmass2 * r12sq;
        var quad2_0102 = 2.0 * (invmass0 + invmass2) * invmass0 * r0102;
        var quad2_0112 = 2.0 * invmass0 * invmass2 * r0112;
        var quad2_0212 = 2.0 * (invmass0 + invmass2) * invmass2 * r0212;
        var quad3_0101 = invmass1 * invmass1 * r01sq;
        var quad3_0202 = invmass2 * invmass2 * r02sq;
        var quad3_1212 = (invmass1 + invmass2) * (invmass1 + invmass2) * r12sq;
        var quad3_0102 = -2.0 * invmass1 * invmass2 * r0102;
        var quad3_0112 = -2.0 * (invmass1 + invmass2) * invmass1 * r0112;
        var quad3_0212 = 2.0 * (invmass1 + invmass2) * invmass2 * r0212;
        double lamda01 = 0.0, lamda02 = 0.0, lamda12 = 0.0;
        var done = false;
        for (var niter = 0; !done && niter < maxIterations; niter++)
        {
            var quad1 = quad1_0101 * lamda01 * lamda01 + quad1_0202 * lamda02 * lamda02 + quad1_1212 * lamda12 * lamda12
                + quad1_0102 * lamda01 * lamda02 + quad1_0112 * lamda01 * lamda12 + quad1_0212 * lamda02 * lamda12;
            var quad2 = quad2_0101 * lamda01 * lamda01 + quad2_0202 * lamda02 * lamda02 + quad2_1212 * lamda12 * lamda12
                + quad2_0102 * lamda01 * lamda02 + quad2_0112 * lamda01 * lamda12 + quad2_0212 * lamda02 * lamda12;
            var quad3 = quad3_0101 * lamda01 * lamda01 + quad3_0202 * lamda02 * lamda02 + quad3_1212 * lamda12 * lamda12
                + quad3_0102 * lamda01 * lamda02 + quad3_0112 * lamda01 * lamda12 + quad3_0212 * lamda02 * lamda12;
            var b1 = d[0] * d[0] - s01sq - quad1;
            var b2 = d[1] * d[1] - s02sq - quad2;
            var b3 = d[2] * d[2] - s12sq - quad3;
            var lamda01New = a11inv * b1 + a12inv * b2 + a13inv * b3;
            var lamda02New = a21inv * b1 + a22inv * b2 + a23inv * b3;
            var lamda12New = a31inv * b1 + a32inv * b2 + a33inv * b3;
            done = Math.Abs(lamda01New - lamda01) <= tolerance && Math.Abs(lamda02New - lamda02) <= tolerance
                && Math.Abs(lamda12New - lamda12) <= tolerance;
            lamda01 = lamda01New;
            lamda02 = lamda02New;
            lamda12 = lamda12New;
            if (Math.Abs(lamda01) > 1e150 || Math.Abs(lamda02) > 1e150 || Math.Abs(lamda12) > 1e150)
            {
                done = true;
            }
        }
        lamda[0] = lamda01;
        lamda[1] = lamda02;
        lamda[2] = lamda12;
    }
}
