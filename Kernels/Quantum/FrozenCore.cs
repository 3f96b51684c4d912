namespace Dataflow.Kernels.Quantum;

/// <summary>Frozen core: the lowest orbitals kept doubly occupied and folded into the core energy and an effective
/// one-electron operator, as PySCF's <c>ncore</c> and Psi4's <c>frozen_docc</c> do.</summary>
public static class FrozenCore
{
    /// <summary>The FCIDUMP of the active orbitals when the <paramref name="count"/> lowest-energy orbitals
    /// (<see cref="Fcidump.EnergyOrder"/>) are doubly occupied; the active ones keep their order and ORBSYM.</summary>
    /// <remarks>E_core' = E_core + sum_c 2 h_cc + sum_cd [2 (cc|dd) - (cd|dc)] and
    /// h'_pq = h_pq + sum_c [2 (pq|cc) - (pc|cq)] over core orbitals c, d (Helgaker, Jorgensen and Olsen, eq. 10.8.12:
    /// the inactive Fock operator).</remarks>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative, leaves no orbital, or takes more
    /// electrons than there are.</exception>
    public static Fcidump Fold(Fcidump fcidump, int count)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        var n = fcidump.OrbitalCount;
        if (count < 0 || count >= n)
        {
            throw new ArgumentException($"cannot freeze {count} of {n} orbitals", nameof(count));
        }
        if (count > Math.Min(fcidump.AlphaCount, fcidump.BetaCount))
        {
            throw new ArgumentException(
                $"cannot freeze {count} doubly occupied orbitals with {fcidump.AlphaCount} alpha and {fcidump.BetaCount} beta electrons",
                nameof(count));
        }
        if (count == 0)
        {
            return fcidump;
        }
        var core = fcidump.EnergyOrder().Take(count).Order().ToArray();
        var active = Enumerable.Range(0, n).Except(core).ToArray();
        var m = active.Length;
        var energy = fcidump.CoreEnergyHartree;
        foreach (var c in core)
        {
            energy += 2 * fcidump.OneElectron(c, c);
            foreach (var d in core)
            {
                energy += 2 * fcidump.TwoElectron(c, c, d, d) - fcidump.TwoElectron(c, d, d, c);
            }
        }
        var one = new double[m * m];
        var two = new double[m * m * m * m];
        for (var i = 0; i < m; i++)
        {
            var p = active[i];
            for (var j = 0; j < m; j++)
            {
                var q = active[j];
                var h = fcidump.OneElectron(p, q);
                foreach (var c in core)
                {
                    h += 2 * fcidump.TwoElectron(p, q, c, c) - fcidump.TwoElectron(p, c, c, q);
                }
                one[i * m + j] = h;
                for (var k = 0; k < m; k++)
                {
                    for (var l = 0; l < m; l++)
                    {
                        two[((i * m + j) * m + k) * m + l] = fcidump.TwoElectron(p, q, active[k], active[l]);
                    }
                }
            }
        }
        // Symmetrise h' exactly: the two orders of the core sum can round differently.
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < i; j++)
            {
                one[j * m + i] = one[i * m + j];
            }
        }
        return fcidump with
        {
            OrbitalCount = m,
            ElectronCount = fcidump.ElectronCount - 2 * count,
            CoreEnergyHartree = energy,
            OneElectronHartree = one,
            TwoElectronHartree = two,
            OrbitalSymmetries = fcidump.OrbitalSymmetries.Count == n ? active.Select(a => fcidump.OrbitalSymmetries[a]).ToArray() : [],
            OrbitalEnergiesHartree = fcidump.OrbitalEnergiesHartree is { } e ? active.Select(a => e[a]).ToArray() : null,
        };
    }
}
