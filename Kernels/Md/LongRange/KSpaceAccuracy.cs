namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Error estimates shared by Ewald and PPPM: LAMMPS's reading of a requested relative accuracy.</summary>
/// <remarks>
/// LAMMPS (<c>kspace_style ewald 1e-5</c>, <c>kspace_style pppm 1e-5</c>) asks for an RMS force error of
/// <c>accuracy_relative * two_charge_force</c>, where <c>two_charge_force = qqr2e e^2 / (1 Å)^2</c> is the force
/// between two unit charges one ångström apart: numerically <c>qqr2e</c> in real, metal and lj units. The RMS is
/// over atoms: <c>sqrt((1/N) sum_i |F_i - F_i^exact|^2)</c>. The estimates below are Kolafa &amp; Perram,
/// Mol. Simul. 9, 351 (1992), for the real- and reciprocal-space truncation errors, in the form LAMMPS uses, with
/// <c>q2 = qqr2e sum_i q_i^2</c>.
/// </remarks>
public static class KSpaceAccuracy
{
    /// <summary>Absolute RMS force error that a relative accuracy stands for (LAMMPS <c>kspace.cpp</c>).</summary>
    public static double AbsoluteForceError(double relativeAccuracy, double qqr2e)
    {
        if (!(relativeAccuracy > 0) || !double.IsFinite(relativeAccuracy))
        {
            throw new ArgumentException($"accuracy must be positive, got {relativeAccuracy}");
        }
        return relativeAccuracy * qqr2e;
    }

    /// <summary><c>qqr2e sum q_i^2</c>, the charge measure every estimate scales with.</summary>
    public static double ChargeMeasure(CoulombSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var q2 = system.SumOfSquaredCharges * system.Qqr2e;
        if (q2 == 0)
        {
            throw new ArgumentException("cannot choose g_ewald for a system with no charge; give g_ewald explicitly");
        }
        return q2;
    }

    /// <summary>First guess of g_ewald: the real-space error at the cutoff equals the target.</summary>
    /// <remarks>LAMMPS <c>ewald.cpp</c>/<c>pppm.cpp</c> <c>init()</c>: solve
    /// <c>2 q2 exp(-g^2 rc^2) / sqrt(N rc V) = accuracy</c> for g, with the same fallback when the system is so
    /// weakly charged that any g would do.</remarks>
    public static double InitialGEwald(CoulombSystem system, double absoluteAccuracy, double cutoff)
    {
        var q2 = ChargeMeasure(system);
        var g = absoluteAccuracy * Math.Sqrt(system.Count * cutoff * system.Box.Volume) / (2.0 * q2);
        return g >= 1.0 ? (1.35 - (0.15 * Math.Log(absoluteAccuracy))) / cutoff : Math.Sqrt(-Math.Log(g)) / cutoff;
    }

    /// <summary>Estimated RMS real-space force error from truncating erfc(g r)/r at the cutoff.</summary>
    /// <remarks>Kolafa &amp; Perram 1992: <c>2 q2 exp(-g^2 rc^2) / sqrt(N rc V)</c>.</remarks>
    public static double RealSpaceForceError(CoulombSystem system, double gEwald, double cutoff)
    {
        var q2 = ChargeMeasure(system);
        return 2.0 * q2 * Math.Exp(-gEwald * gEwald * cutoff * cutoff)
            / Math.Sqrt(system.Count * cutoff * system.Box.Volume);
    }

    /// <summary>Estimated RMS Ewald reciprocal-space force error along one axis with |k_axis| &lt;= kmax.</summary>
    /// <remarks>Kolafa &amp; Perram 1992 as LAMMPS <c>Ewald::rms</c>:
    /// <c>2 q2 g / L sqrt(1 / (pi kmax N)) exp(-pi^2 kmax^2 / (g L)^2)</c>.</remarks>
    public static double EwaldKSpaceForceError(int kmax, double length, int atomCount, double q2, double gEwald)
    {
        var n = Math.Max(atomCount, 1);
        return 2.0 * q2 * gEwald / length * Math.Sqrt(1.0 / (Math.PI * kmax * n))
            * Math.Exp(-Math.PI * Math.PI * kmax * kmax / (gEwald * gEwald * length * length));
    }
}
