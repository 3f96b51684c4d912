namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Splitting parameter, real-space cutoff and k-vector range of an Ewald sum.</summary>
/// <remarks>
/// The reciprocal sum takes every k = 2 pi (nx/Lx, ny/Ly, nz/Lz) with |n_a| &lt;= k_aMax and
/// |k|^2 &lt;= 1.00001 max_a (2 pi k_aMax / L_a)^2, as LAMMPS <c>Ewald::setup</c> does.
/// </remarks>
/// <param name="GEwald">Splitting parameter g, inverse distance units.</param>
/// <param name="Cutoff">Real-space cutoff, distance units.</param>
/// <param name="KxMax">Largest |n_x|.</param>
/// <param name="KyMax">Largest |n_y|.</param>
/// <param name="KzMax">Largest |n_z|.</param>
/// <param name="EstimatedForceError">Kolafa-Perram estimate of the RMS force error, in force units; NaN when
/// the parameters were given rather than chosen.</param>
public sealed record EwaldParameters(
    double GEwald, double Cutoff, int KxMax, int KyMax, int KzMax, double EstimatedForceError = double.NaN)
{
    /// <summary>Chooses g_ewald and the k range for a relative accuracy, as <c>kspace_style ewald</c> does.</summary>
    /// <remarks>LAMMPS <c>ewald.cpp</c>: g from <see cref="KSpaceAccuracy.InitialGEwald"/>, then each k_aMax is the
    /// smallest integer whose Kolafa-Perram reciprocal error (<see cref="KSpaceAccuracy.EwaldKSpaceForceError"/>)
    /// is at most the target. g is not re-balanced afterwards (LAMMPS's Ewald does not either).</remarks>
    /// <param name="system">Charges and box.</param>
    /// <param name="relativeAccuracy">Target RMS force error over the two-unit-charge force (e.g. 1e-5).</param>
    /// <param name="cutoff">Real-space cutoff the pair loop uses.</param>
    /// <param name="gEwald">A fixed g (<c>kspace_modify gewald</c>), or null to derive it from the accuracy.</param>
    public static EwaldParameters ForAccuracy(CoulombSystem system, double relativeAccuracy, double cutoff, double? gEwald = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Validate();
        var accuracy = KSpaceAccuracy.AbsoluteForceError(relativeAccuracy, system.Qqr2e);
        // ewald.cpp init(): g from the accuracy unless gewaldflag, then the k range for that g.
        var g = gEwald ?? KSpaceAccuracy.InitialGEwald(system, accuracy, cutoff);
        var q2 = KSpaceAccuracy.ChargeMeasure(system);
        var kmax = new int[3];
        var squaredErrors = 0.0;
        for (var axis = 0; axis < 3; axis++)
        {
            var length = system.Box.Length(axis);
            var k = 1;
            while (KSpaceAccuracy.EwaldKSpaceForceError(k, length, system.Count, q2, g) > accuracy)
            {
                k++;
            }
            kmax[axis] = k;
            var error = KSpaceAccuracy.EwaldKSpaceForceError(k, length, system.Count, q2, g);
            squaredErrors += error * error;
        }
        var kspaceError = Math.Sqrt(squaredErrors / 3.0);
        var realError = KSpaceAccuracy.RealSpaceForceError(system, g, cutoff);
        var estimate = Math.Sqrt((kspaceError * kspaceError) + (realError * realError));
        return new EwaldParameters(g, cutoff, kmax[0], kmax[1], kmax[2], estimate);
    }
}
