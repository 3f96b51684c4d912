namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Energy, forces and virial of one Coulomb contribution (real space, k space, or their sum).</summary>
/// <remarks>
/// Units follow the system's <see cref="CoulombSystem.Qqr2e"/>. The virial is LAMMPS's global virial,
/// <c>W_ab = sum_i r_ia F_ib</c> generalised to periodic systems (<c>W_ab = -dE/d(strain_ab)</c>), in energy
/// units, ordered xx yy zz xy xz yz; the pressure contribution is <c>trace(W) / (3 V)</c>.
/// </remarks>
/// <param name="Energy">Total energy.</param>
/// <param name="PerAtomEnergy">Energy attributed to each atom (N values); sums to <paramref name="Energy"/>.</param>
/// <param name="Forces">Fx0 Fy0 Fz0 Fx1 ... (3N values).</param>
/// <param name="Virial">xx yy zz xy xz yz.</param>
public sealed record CoulombResult(double Energy, double[] PerAtomEnergy, double[] Forces, double[] Virial)
{
    /// <summary>Number of atoms.</summary>
    public int Count => PerAtomEnergy.Length;

    /// <summary>All zeros for <paramref name="atomCount"/> atoms.</summary>
    public static CoulombResult Zero(int atomCount) =>
        new(0.0, new double[atomCount], new double[3 * atomCount], new double[6]);

    /// <summary>Element-wise sum of two contributions for the same atoms.</summary>
    public CoulombResult Plus(CoulombResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count != Count)
        {
            throw new ArgumentException($"cannot add results for {Count} and {other.Count} atoms");
        }
        return new CoulombResult(
            Energy + other.Energy,
            Add(PerAtomEnergy, other.PerAtomEnergy),
            Add(Forces, other.Forces),
            Add(Virial, other.Virial));
    }

    private static double[] Add(double[] a, double[] b)
    {
        var sum = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }
        return sum;
    }
}
