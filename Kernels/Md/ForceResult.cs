namespace Dataflow.Kernels.Md;

/// <summary>Forces, energy and virial of N atoms, as one <see cref="IForceProvider"/> or the sum of several
/// produces them.</summary>
/// <remarks>
/// <para>Units: forces in the unit style's force unit (energy per distance), energies in its energy unit, the
/// virial in energy units (LAMMPS' convention: pressure = virial / (3 V) * nktv2p plus the kinetic part).</para>
/// <para>The virial is W_ab = sum over pairs of r_ab f_ab (r = r_i - r_j, f the force on i), for a general
/// potential sum_i r_i,a f_i,b with positions unwrapped consistently; components in LAMMPS order
/// <c>xx, yy, zz, xy, xz, yz</c> (docs.lammps.org/compute_pressure.html). A pair term adds half its energy and half
/// its virial to each of its two atoms' per-atom values, as LAMMPS' <c>ev_tally</c> does, so per-atom values sum
/// to the totals.</para>
/// <para>Arrays are allocated once and reused; <see cref="Clear"/> zeroes what <see cref="Requested"/> asks for.</para>
/// </remarks>
public sealed class ForceResult
{
    /// <summary>A zeroed result for <paramref name="atomCount"/> atoms asking for <paramref name="requested"/>.</summary>
    public ForceResult(int atomCount, ForceTerms requested = ForceTerms.Energy | ForceTerms.Virial)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(atomCount);
        AtomCount = atomCount;
        Requested = requested;
        Forces = new double[3 * atomCount];
        PerAtomEnergy = new double[atomCount];
        PerAtomVirial = new double[6 * atomCount];
    }

    /// <summary>Number of atoms.</summary>
    public int AtomCount { get; }

    /// <summary>Terms the caller needs from this evaluation; providers may compute more.</summary>
    public ForceTerms Requested { get; set; }

    /// <summary>Force on each atom, interleaved xyz, force units.</summary>
    public double[] Forces { get; }

    /// <summary>Total potential energy, energy units; valid when <see cref="ForceTerms.Energy"/> was requested.</summary>
    public double Energy { get; set; }

    /// <summary>Total virial, <c>xx, yy, zz, xy, xz, yz</c>, energy units; valid when
    /// <see cref="ForceTerms.Virial"/> was requested.</summary>
    public double[] Virial { get; } = new double[6];

    /// <summary>Energy per atom, energy units; valid when <see cref="ForceTerms.PerAtomEnergy"/> was requested.</summary>
    public double[] PerAtomEnergy { get; }

    /// <summary>Virial per atom, six components per atom in the order of <see cref="Virial"/>; valid when
    /// <see cref="ForceTerms.PerAtomVirial"/> was requested.</summary>
    public double[] PerAtomVirial { get; }

    /// <summary>True when the caller asked for <paramref name="terms"/> (all of them).</summary>
    public bool Wants(ForceTerms terms) => (Requested & terms) == terms;

    /// <summary>Zeroes forces, totals and the requested per-atom arrays.</summary>
    public void Clear()
    {
        Array.Clear(Forces);
        Energy = 0;
        Array.Clear(Virial);
        if (Wants(ForceTerms.PerAtomEnergy))
        {
            Array.Clear(PerAtomEnergy);
        }
        if (Wants(ForceTerms.PerAtomVirial))
        {
            Array.Clear(PerAtomVirial);
        }
    }

    /// <summary>Adds this result into <paramref name="total"/>: forces and the terms <paramref name="total"/>
    /// requests.</summary>
    public void AddTo(ForceResult total)
    {
        ArgumentNullException.ThrowIfNull(total);
        if (total.AtomCount != AtomCount)
        {
            throw new ArgumentException($"results for {AtomCount} and {total.AtomCount} atoms cannot be added", nameof(total));
        }
        Add(Forces, total.Forces);
        total.Energy += Energy;
        Add(Virial, total.Virial);
        if (total.Wants(ForceTerms.PerAtomEnergy))
        {
            Add(PerAtomEnergy, total.PerAtomEnergy);
        }
        if (total.Wants(ForceTerms.PerAtomVirial))
        {
            Add(PerAtomVirial, total.PerAtomVirial);
        }
    }

    private static void Add(double[] source, double[] target)
    {
        for (var k = 0; k < source.Length; k++)
        {
            target[k] += source[k];
        }
    }
}
