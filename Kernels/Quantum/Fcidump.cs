namespace Dataflow.Kernels.Quantum;

/// <summary>The contents of an FCIDUMP file: a restricted molecular Hamiltonian in an orthonormal orbital basis.</summary>
/// <remarks>
/// <para>Format: Knowles and Handy, Comput. Phys. Commun. 54, 75 (1989). Orbital indices here are 0-based; the
/// file's are 1-based.</para>
/// <para>Integrals are stored densely with every permutational partner filled in: <see cref="OneElectronHartree"/>
/// is the symmetric <c>n x n</c> matrix h_pq at <c>p * n + q</c>, and <see cref="TwoElectronHartree"/> holds the
/// chemists'-notation integrals (pq|rs) at <c>((p * n + q) * n + r) * n + s</c> with the 8-fold symmetry of real
/// orbitals, (pq|rs) = (qp|rs) = (pq|sr) = (rs|pq) = ... (Szabo and Ostlund, section 2.3.2).</para>
/// </remarks>
public sealed record Fcidump
{
    /// <summary>Where the file came from (its path or a caller-chosen name); used in messages.</summary>
    public required string SourceName { get; init; }

    /// <summary>Number of spatial orbitals, <c>NORB</c>.</summary>
    public required int OrbitalCount { get; init; }

    /// <summary>Number of electrons, <c>NELEC</c>.</summary>
    public required int ElectronCount { get; init; }

    /// <summary>Twice the spin projection, N_alpha - N_beta, <c>MS2</c> (0 when the header omits it).</summary>
    public required int Ms2 { get; init; }

    /// <summary>Irreducible representation of each orbital, <c>ORBSYM</c> (1-based labels as written); empty when
    /// the header has none.</summary>
    public required IReadOnlyList<int> OrbitalSymmetries { get; init; }

    /// <summary>Irreducible representation of the target state, <c>ISYM</c> (1 when the header omits it).</summary>
    public required int StateSymmetry { get; init; }

    /// <summary>Core energy: nuclear repulsion plus any frozen-core energy, from the <c>0 0 0 0</c> line.</summary>
    public required double CoreEnergyHartree { get; init; }

    /// <summary>One-electron integrals h_pq, row-major <c>n x n</c>, symmetric.</summary>
    public required double[] OneElectronHartree { get; init; }

    /// <summary>Two-electron integrals (pq|rs), row-major <c>n^4</c>, with 8-fold permutational symmetry.</summary>
    public required double[] TwoElectronHartree { get; init; }

    /// <summary>Orbital energies from <c>value i 0 0 0</c> lines, or null when the file has none.</summary>
    public double[]? OrbitalEnergiesHartree { get; init; }

    /// <summary>Number of alpha electrons, (NELEC + MS2) / 2.</summary>
    public int AlphaCount => (ElectronCount + Ms2) / 2;

    /// <summary>Number of beta electrons, (NELEC - MS2) / 2.</summary>
    public int BetaCount => (ElectronCount - Ms2) / 2;

    /// <summary>h_pq for 0-based spatial orbitals.</summary>
    public double OneElectron(int p, int q) => OneElectronHartree[p * OrbitalCount + q];

    /// <summary>(pq|rs) in chemists' notation for 0-based spatial orbitals.</summary>
    public double TwoElectron(int p, int q, int r, int s) =>
        TwoElectronHartree[((p * OrbitalCount + q) * OrbitalCount + r) * OrbitalCount + s];

    /// <summary>The same Hamiltonian with its orbitals relabelled: orbital i of the result is orbital
    /// <paramref name="order"/>[i] of this one. Energies and FCI results do not change.</summary>
    public Fcidump WithOrbitalOrder(IReadOnlyList<int> order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var n = OrbitalCount;
        if (order.Count != n || order.Distinct().Count() != n || order.Any(o => o < 0 || o >= n))
        {
            throw new ArgumentException($"not a permutation of {n} orbitals", nameof(order));
        }
        var one = new double[n * n];
        var two = new double[n * n * n * n];
        for (var p = 0; p < n; p++)
        {
            for (var q = 0; q < n; q++)
            {
                one[p * n + q] = OneElectron(order[p], order[q]);
                for (var r = 0; r < n; r++)
                {
                    for (var s = 0; s < n; s++)
                    {
                        two[((p * n + q) * n + r) * n + s] = TwoElectron(order[p], order[q], order[r], order[s]);
                    }
                }
            }
        }
        return this with
        {
            OneElectronHartree = one,
            TwoElectronHartree = two,
            OrbitalSymmetries = order.Select(o => OrbitalSymmetries[o]).ToArray(),
            OrbitalEnergiesHartree = OrbitalEnergiesHartree is { } e ? order.Select(o => e[o]).ToArray() : null,
        };
    }

    /// <summary>Orbitals by ascending energy (the file's orbital energies, else the diagonal of the Fock operator of the
    /// aufbau determinant), ties in file order: occupied orbitals first, as autoregressive wavefunctions are usually
    /// ordered.</summary>
    public int[] EnergyOrder()
    {
        var energies = OrbitalEnergiesHartree ?? FockDiagonal();
        return Enumerable.Range(0, OrbitalCount).OrderBy(i => energies[i]).ThenBy(i => i).ToArray();
    }

    /// <summary>Diagonal closed-shell Fock energies f_pp = h_pp + sum_q n_q (2 (pp|qq) - (pq|qp)) of an aufbau occupation
    /// (n_q = 1 for a doubly, 1/2 for a singly occupied orbital), made consistent with itself: occupy the lowest h_pp,
    /// recompute, reoccupy the lowest f_pp, until the occupation stops changing (at most ten rounds).</summary>
    private double[] FockDiagonal()
    {
        var n = OrbitalCount;
        var f = Enumerable.Range(0, n).Select(p => OneElectron(p, p)).ToArray();
        int[]? previous = null;
        for (var round = 0; round < 10; round++)
        {
            var byEnergy = Enumerable.Range(0, n).OrderBy(i => f[i]).ThenBy(i => i).ToArray();
            if (previous is not null && byEnergy.Take(Math.Max(AlphaCount, BetaCount)).Order().SequenceEqual(previous))
            {
                break;
            }
            previous = byEnergy.Take(Math.Max(AlphaCount, BetaCount)).Order().ToArray();
            var occupation = new double[n];
            for (var k = 0; k < n; k++)
            {
                occupation[byEnergy[k]] = (k < AlphaCount ? 0.5 : 0) + (k < BetaCount ? 0.5 : 0);
            }
            var next = new double[n];
            for (var p = 0; p < n; p++)
            {
                next[p] = OneElectron(p, p);
                for (var q = 0; q < n; q++)
                {
                    next[p] += occupation[q] * (2 * TwoElectron(p, p, q, q) - TwoElectron(p, q, q, p));
                }
            }
            f = next;
        }
        return f;
    }
}
