namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Splitting parameter, cutoff, mesh and assignment order of a PPPM solver.</summary>
/// <param name="GEwald">Splitting parameter g, inverse distance units.</param>
/// <param name="Cutoff">Real-space cutoff, distance units.</param>
/// <param name="Nx">Mesh points along x.</param>
/// <param name="Ny">Mesh points along y.</param>
/// <param name="Nz">Mesh points along z.</param>
/// <param name="Order">Charge assignment order, 1 to 7 (LAMMPS default 5).</param>
/// <param name="EstimatedForceError">Estimated RMS force error (real space and k space together), in force
/// units; NaN when the parameters were given rather than chosen.</param>
public sealed record PppmParameters(
    double GEwald, double Cutoff, int Nx, int Ny, int Nz, int Order, double EstimatedForceError = double.NaN)
{
    /// <summary>LAMMPS's default assignment order.</summary>
    public const int DefaultOrder = 5;

    /// <summary>Most mesh points per axis <see cref="ForAccuracy"/> will choose.</summary>
    public const int MaxMeshPoints = 4096;

    // Deserno & Holm, J. Chem. Phys. 109, 7694 (1998) ("How to mesh up Ewald sums II"): the coefficients a_m^(P)
    // of its closed-form error estimate for the ik-differentiated P3M force error; row P holds a_0 .. a_(P-1).
    private static readonly double[][] ErrorCoefficients =
    [
        [],
        [2.0 / 3.0],
        [1.0 / 50.0, 5.0 / 294.0],
        [1.0 / 588.0, 7.0 / 1440.0, 21.0 / 3872.0],
        [1.0 / 4320.0, 3.0 / 1936.0, 7601.0 / 2271360.0, 143.0 / 28800.0],
        [1.0 / 23232.0, 7601.0 / 13628160.0, 143.0 / 69120.0, 517231.0 / 106536960.0, 106640677.0 / 11737571328.0],
        [691.0 / 68140800.0, 13.0 / 57600.0, 47021.0 / 35512320.0, 9694607.0 / 2095994880.0,
            733191589.0 / 59609088000.0, 326190917.0 / 11700633600.0],
        [1.0 / 345600.0, 3617.0 / 35512320.0, 745739.0 / 838397952.0, 56399353.0 / 12773376000.0,
            25091609.0 / 1560084480.0, 1755948832039.0 / 36229939200000.0, 4887769399.0 / 37838389248.0],
    ];

    /// <summary>Chooses g_ewald and the mesh for a relative accuracy, as <c>kspace_style pppm</c> does.</summary>
    /// <remarks>
    /// LAMMPS <c>pppm.cpp</c> (<c>set_grid_global</c>, <c>adjust_gewald</c>, <c>final_accuracy</c>), ik
    /// differentiation: g starts where the real-space error equals the target
    /// (<see cref="KSpaceAccuracy.InitialGEwald"/>); each axis starts at <c>L g + 1</c> points and grows, with
    /// LAMMPS's exact loop, until the Deserno-Holm estimate (<see cref="IkForceError"/>) meets the target; each
    /// count is raised to the next product of 2, 3 and 5; then g is re-solved so that the real-space and k-space
    /// estimates are equal. LAMMPS stops that Newton iteration at an absolute |f| &lt; 1e-5, which in lj units can
    /// mean one step; here it is solved by bisection to a relative 1e-12, whatever the units.
    /// </remarks>
    /// <param name="system">Charges and box.</param>
    /// <param name="relativeAccuracy">Target RMS force error over the two-unit-charge force (e.g. 1e-5).</param>
    /// <param name="cutoff">Real-space cutoff the pair loop uses.</param>
    /// <param name="order">Charge assignment order (5 to 7 recommended).</param>
    /// <param name="stopAsLammps">Solve for g with LAMMPS' own Newton iteration and stop where it stops
    /// (<see cref="LammpsNewtonGEwald"/>): LAMMPS' g to its printed digits, what input scripts use so that thermo
    /// matches lmp's.</param>
    /// <param name="gEwald">A fixed g (<c>kspace_modify gewald</c>): the mesh is chosen for it and g is not
    /// re-solved (pppm.cpp skips adjust_gewald when gewaldflag is set); null to derive it from the accuracy.</param>
    public static PppmParameters ForAccuracy(
        CoulombSystem system, double relativeAccuracy, double cutoff, int order = DefaultOrder, bool stopAsLammps = false,
        double? gEwald = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, ChargeAssignment.MaxOrder);
        var accuracy = KSpaceAccuracy.AbsoluteForceError(relativeAccuracy, system.Qqr2e);
        var q2 = KSpaceAccuracy.ChargeMeasure(system);
        var g = gEwald ?? KSpaceAccuracy.InitialGEwald(system, accuracy, cutoff);
        var n = system.Count;
        var mesh = new int[3];
        for (var axis = 0; axis < 3; axis++)
        {
            var length = system.Box.Length(axis);
            var spacing = 1.0 / g;
            var count = (int)(length / spacing) + 1;
            // LAMMPS's loop tests the spacing of the previous count, so it ends one point past the first count
            // that meets the target; kept so that meshes match LAMMPS logs.
            var error = IkForceError(spacing, length, n, q2, g, order);
            while (error > accuracy && count <= MaxMeshPoints)
            {
                error = IkForceError(spacing, length, n, q2, g, order);
                count++;
                spacing = length / count;
            }
            while (!ComplexFft.Is235Smooth(count))
            {
                count++;
            }
            if (count > MaxMeshPoints)
            {
                throw new ArgumentException(
                    $"PPPM grid is too large: {count} points along axis {axis} for accuracy {relativeAccuracy}; " +
                    "ask for less accuracy, a larger cutoff or a higher order");
            }
            mesh[axis] = count;
        }
        g = gEwald ?? (stopAsLammps ? LammpsNewtonGEwald(system, cutoff, mesh, q2, order, g) : BalanceGEwald(system, cutoff, mesh, q2, order, g));
        var kspace = KSpaceForceError(system, mesh, q2, g, order);
        var real = KSpaceAccuracy.RealSpaceForceError(system, g, cutoff);
        var estimate = Math.Sqrt((kspace * kspace) + (real * real));
        return new PppmParameters(g, cutoff, mesh[0], mesh[1], mesh[2], order, estimate);
    }

    /// <summary>Deserno-Holm estimate of the RMS ik-differentiated P3M force error along one axis.</summary>
    /// <remarks>Deserno &amp; Holm 1998 II, as LAMMPS <c>PPPM::estimate_ik_error</c>:
    /// <c>q2 (h g)^P sqrt(g L sqrt(2 pi) sum_m a_m (h g)^(2m) / N) / L^2</c>.</remarks>
    /// <param name="spacing">Mesh spacing h along the axis.</param>
    /// <param name="length">Box edge L along the axis.</param>
    /// <param name="atomCount">N.</param>
    /// <param name="q2"><c>qqr2e sum q_i^2</c>.</param>
    /// <param name="gEwald">g.</param>
    /// <param name="order">P.</param>
    public static double IkForceError(double spacing, double length, int atomCount, double q2, double gEwald, int order)
    {
        if (atomCount == 0)
        {
            return 0.0;
        }
        var hg = spacing * gEwald;
        var sum = 0.0;
        for (var m = 0; m < order; m++)
        {
            sum += ErrorCoefficients[order][m] * Math.Pow(hg, 2.0 * m);
        }
        return q2 * Math.Pow(hg, order) * Math.Sqrt(gEwald * length * Math.Sqrt(2.0 * Math.PI) * sum / atomCount)
            / (length * length);
    }

    private static double KSpaceForceError(CoulombSystem system, int[] mesh, double q2, double g, int order)
    {
        var sum = 0.0;
        for (var axis = 0; axis < 3; axis++)
        {
            var length = system.Box.Length(axis);
            var error = IkForceError(length / mesh[axis], length, system.Count, q2, g, order);
            sum += error * error;
        }
        // LAMMPS compute_df_kspace: sqrt(lprx^2 + lpry^2 + lprz^2) / sqrt(3).
        return Math.Sqrt(sum / 3.0);
    }

    // Solves real-space error = k-space error for g (LAMMPS adjust_gewald / newton_raphson_f). The difference
    // falls monotonically with g, so bisection on log g over a wide bracket is safe.
    // LAMMPS pppm.cpp adjust_gewald, newton_raphson_f and derivf: Newton steps on f(g) = real-space error - k-space
    // error with a forward-difference derivative (step 1e-6), stopped once |f| < 1e-5 in force units, at most 10,000.
    private static double LammpsNewtonGEwald(
        CoulombSystem system, double cutoff, int[] mesh, double q2, int order, double g0)
    {
        double F(double g) =>
            KSpaceAccuracy.RealSpaceForceError(system, g, cutoff) - KSpaceForceError(system, mesh, q2, g, order);

        const double h = 0.000001;
        var g = g0;
        for (var i = 0; i < 10000; i++)
        {
            var f1 = F(g);
            var derivative = (F(g + h) - f1) / h;
            g -= f1 / derivative;
            if (Math.Abs(F(g)) < 0.00001)
            {
                return g;
            }
        }
        throw new ArgumentException("could not compute g_ewald: LAMMPS' Newton iteration did not converge");
    }

    private static double BalanceGEwald(
        CoulombSystem system, double cutoff, int[] mesh, double q2, int order, double g0)
    {
        double Difference(double g) =>
            KSpaceAccuracy.RealSpaceForceError(system, g, cutoff) - KSpaceForceError(system, mesh, q2, g, order);

        var low = g0 / 16.0;
        var high = g0 * 16.0;
        if (Difference(low) < 0 || Difference(high) > 0)
        {
            return g0;
        }
        for (var iteration = 0; iteration < 200 && (high - low) > 1e-12 * high; iteration++)
        {
            var mid = Math.Sqrt(low * high);
            if (Difference(mid) > 0)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }
        return 0.5 * (low + high);
    }
}
