namespace Dataflow.Kernels.Quantum;

/// <summary>The second-quantised electronic Hamiltonian of a molecule in a restricted orthonormal orbital basis,
/// acting on Slater determinants of spin orbitals.</summary>
/// <remarks>
/// <para>H = E_core + sum_pq h_pq a†_p a_q + 1/2 sum_pqrs &lt;pq|rs&gt; a†_p a†_q a_s a_r over spin orbitals, with
/// &lt;pq|rs&gt; = (pr|qs) when the spins of p, r and of q, s match and 0 otherwise (Szabo and Ostlund,
/// section 2.4). Spin orbital 2p is alpha and 2p + 1 beta of spatial orbital p (see <see cref="IDeterminant{TSelf}"/>).</para>
/// <para>Matrix elements follow the Slater-Condon rules (Szabo and Ostlund, Tables 2.3 and 2.4) with the
/// fermionic sign of the excitation operator worked out by counting occupied spin orbitals below each operator:
/// for |D'&gt; = a†_a a†_b a_j a_i |D&gt;, the sign of a_i is (-1)^(occupied in D below i), that of a_j is taken in
/// D without i, and so on. Then &lt;D'|H|D&gt; = sign * &lt;ab||ij&gt; for doubles and
/// sign * (h_ai + sum_{k in D} &lt;ak||ik&gt;) for singles.</para>
/// <para>Energies in hartree. Diagonal elements include <see cref="CoreEnergyHartree"/>; off-diagonal ones cannot.</para>
/// </remarks>
public sealed class MolecularHamiltonian
{
    private const int MaxSpinOrbitals = 128;
    private readonly double[] _oneElectron;
    private readonly double[] _twoElectron;
    private readonly int _n;

    private MolecularHamiltonian(int orbitalCount, double coreEnergyHartree, double[] oneElectron, double[] twoElectron)
    {
        _n = orbitalCount;
        CoreEnergyHartree = coreEnergyHartree;
        _oneElectron = oneElectron;
        _twoElectron = twoElectron;
    }

    /// <summary>Number of spatial orbitals.</summary>
    public int OrbitalCount => _n;

    /// <summary>Number of spin orbitals, twice <see cref="OrbitalCount"/>.</summary>
    public int SpinOrbitalCount => 2 * _n;

    /// <summary>Constant energy added to every diagonal element: nuclear repulsion plus frozen core.</summary>
    public double CoreEnergyHartree { get; }

    /// <summary>h_pq, row-major <c>n x n</c>.</summary>
    public ReadOnlySpan<double> OneElectronHartree => _oneElectron;

    /// <summary>(pq|rs) in chemists' notation, row-major <c>n^4</c>.</summary>
    public ReadOnlySpan<double> TwoElectronHartree => _twoElectron;

    /// <summary>The Hamiltonian of an FCIDUMP's integrals.</summary>
    public static MolecularHamiltonian FromFcidump(Fcidump fcidump)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        return FromIntegrals(
            fcidump.OrbitalCount, fcidump.CoreEnergyHartree, fcidump.OneElectronHartree, fcidump.TwoElectronHartree);
    }

    /// <summary>The Hamiltonian of the given integrals, which are copied.</summary>
    /// <param name="orbitalCount">Number of spatial orbitals n, at most 64.</param>
    /// <param name="coreEnergyHartree">Constant energy.</param>
    /// <param name="oneElectronHartree">h_pq at <c>p * n + q</c>; must be exactly symmetric.</param>
    /// <param name="twoElectronHartree">(pq|rs) at <c>((p * n + q) * n + r) * n + s</c>; must have exact 8-fold symmetry.</param>
    /// <exception cref="ArgumentException">Wrong lengths or broken permutational symmetry.</exception>
    public static MolecularHamiltonian FromIntegrals(
        int orbitalCount, double coreEnergyHartree, ReadOnlySpan<double> oneElectronHartree, ReadOnlySpan<double> twoElectronHartree)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(orbitalCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orbitalCount, MaxSpinOrbitals / 2);
        var n = orbitalCount;
        if (oneElectronHartree.Length != n * n || twoElectronHartree.Length != n * n * n * n)
        {
            throw new ArgumentException($"expected {n * n} one-electron and {n * n * n * n} two-electron integrals");
        }
        var h = oneElectronHartree.ToArray();
        var eri = twoElectronHartree.ToArray();
        for (var p = 0; p < n; p++)
        {
            for (var q = 0; q < n; q++)
            {
                if (h[p * n + q] != h[q * n + p])
                {
                    throw new ArgumentException($"h is not symmetric at ({p}, {q})", nameof(oneElectronHartree));
                }
                for (var r = 0; r < n; r++)
                {
                    for (var s = 0; s < n; s++)
                    {
                        var v = eri[((p * n + q) * n + r) * n + s];
                        if (v != eri[((q * n + p) * n + r) * n + s]
                            || v != eri[((p * n + q) * n + s) * n + r]
                            || v != eri[((r * n + s) * n + p) * n + q])
                        {
                            throw new ArgumentException(
                                $"(pq|rs) lacks 8-fold symmetry at ({p}{q}|{r}{s})", nameof(twoElectronHartree));
                        }
                    }
                }
            }
        }
        return new MolecularHamiltonian(n, coreEnergyHartree, h, eri);
    }

    /// <summary>Number of spin-conserving single and double excitations of any determinant with
    /// <paramref name="alphaCount"/> alpha and <paramref name="betaCount"/> beta electrons in
    /// <paramref name="orbitalCount"/> spatial orbitals: the most entries <see cref="Connected{T}(T, Span{T}, Span{double})"/>
    /// can write.</summary>
    public static int ExcitationCount(int orbitalCount, int alphaCount, int betaCount) =>
        ExcitationLayout.Create(orbitalCount, alphaCount, betaCount, 0).SlotsPerDeterminant;

    /// <summary>h_pq for 0-based spatial orbitals.</summary>
    public double OneElectron(int p, int q) => _oneElectron[p * _n + q];

    /// <summary>(pq|rs) for 0-based spatial orbitals.</summary>
    public double TwoElectron(int p, int q, int r, int s) => _twoElectron[((p * _n + q) * _n + r) * _n + s];

    /// <summary>&lt;D|H|D&gt;, core energy included.</summary>
    public double Diagonal<T>(T determinant)
        where T : unmanaged, IDeterminant<T>
    {
        CheckFits(determinant);
        Span<int> occupied = stackalloc int[MaxSpinOrbitals];
        var count = determinant.CopyOccupied(occupied);
        var n = _n;
        // E = sum_i h_ii + sum_{i<j} [(ii|jj) - delta(s_i, s_j) (ij|ji)]  (Szabo and Ostlund, Table 2.4, case 1).
        var oneElectron = 0.0;
        var twoElectron = 0.0;
        for (var x = 0; x < count; x++)
        {
            var i = occupied[x];
            var p = i >> 1;
            oneElectron += _oneElectron[p * n + p];
            for (var y = x + 1; y < count; y++)
            {
                var j = occupied[y];
                var q = j >> 1;
                twoElectron += _twoElectron[((p * n + p) * n + q) * n + q];
                if (((i ^ j) & 1) == 0)
                {
                    twoElectron -= _twoElectron[((p * n + q) * n + q) * n + p];
                }
            }
        }
        return CoreEnergyHartree + oneElectron + twoElectron;
    }

    /// <summary>&lt;bra|H|ket&gt;: the diagonal when equal, Slater-Condon single or double elements, else 0.</summary>
    public double Element<T>(T bra, T ket)
        where T : unmanaged, IDeterminant<T>
    {
        CheckFits(bra);
        CheckFits(ket);
        if (bra.AlphaCount != ket.AlphaCount || bra.BetaCount != ket.BetaCount)
        {
            return 0.0;
        }
        var holes = ket.Except(bra);
        var particles = bra.Except(ket);
        switch (holes.ElectronCount)
        {
            case 0:
                return Diagonal(ket);
            case 1:
            {
                Span<int> occupied = stackalloc int[MaxSpinOrbitals];
                var count = ket.CopyOccupied(occupied);
                Span<int> pair = stackalloc int[2];
                holes.CopyOccupied(pair);
                var i = pair[0];
                particles.CopyOccupied(pair);
                var a = pair[0];
                return Signed(SingleSign(ket, i, a), SingleValue(occupied[..count], i, a));
            }
            case 2:
            {
                Span<int> hole = stackalloc int[2];
                Span<int> particle = stackalloc int[2];
                holes.CopyOccupied(hole);
                particles.CopyOccupied(particle);
                var (i, j, a, b) = (hole[0], hole[1], particle[0], particle[1]);
                return Signed(DoubleSign(ket, i, j, a, b), DoubleValue(i, j, a, b));
            }
            default:
                return 0.0;
        }
    }

    /// <summary>Replaces the contents of <paramref name="connected"/> with the determinants H connects to
    /// <paramref name="determinant"/> by a nonzero single or double excitation, and the matrix elements
    /// &lt;D'|H|D&gt;, in the order of <see cref="ConnectedKernel"/>'s slots.</summary>
    public void Connected<T>(T determinant, List<(T Determinant, double ElementHartree)> connected)
        where T : unmanaged, IDeterminant<T>
    {
        ArgumentNullException.ThrowIfNull(connected);
        connected.Clear();
        var slots = ExcitationCount(_n, determinant.AlphaCount, determinant.BetaCount);
        var determinants = new T[slots];
        var elements = new double[slots];
        var count = Connected(determinant, determinants, elements);
        for (var k = 0; k < count; k++)
        {
            connected.Add((determinants[k], elements[k]));
        }
    }

    /// <summary>Writes the determinants H connects to <paramref name="determinant"/> by a nonzero single or double
    /// excitation and their matrix elements &lt;D'|H|D&gt;; returns how many were written.</summary>
    /// <remarks>Order: alpha singles, beta singles, alpha-alpha doubles, beta-beta doubles, alpha-beta doubles, each
    /// block in the order of <see cref="ConnectedKernel"/>'s slots, with exactly-zero elements left out.</remarks>
    /// <param name="determinant">The ket.</param>
    /// <param name="determinants">Destination, at least <see cref="ExcitationCount"/> long.</param>
    /// <param name="elementsHartree">Destination, as long as <paramref name="determinants"/>.</param>
    public int Connected<T>(T determinant, Span<T> determinants, Span<double> elementsHartree)
        where T : unmanaged, IDeterminant<T>
    {
        CheckFits(determinant);
        var n = _n;
        Span<int> occupied = stackalloc int[MaxSpinOrbitals];
        var occupiedCount = determinant.CopyOccupied(occupied);
        var occ = occupied[..occupiedCount];
        Span<int> occupiedAlpha = stackalloc int[n];
        Span<int> occupiedBeta = stackalloc int[n];
        Span<int> virtualAlpha = stackalloc int[n];
        Span<int> virtualBeta = stackalloc int[n];
        int oa = 0, ob = 0, va = 0, vb = 0;
        var alpha = determinant.AlphaString;
        var beta = determinant.BetaString;
        for (var p = 0; p < n; p++)
        {
            if (((alpha >> p) & 1) != 0)
            {
                occupiedAlpha[oa++] = 2 * p;
            }
            else
            {
                virtualAlpha[va++] = 2 * p;
            }
            if (((beta >> p) & 1) != 0)
            {
                occupiedBeta[ob++] = 2 * p + 1;
            }
            else
            {
                virtualBeta[vb++] = 2 * p + 1;
            }
        }
        var needed = ExcitationCount(n, oa, ob);
        if (determinants.Length < needed || elementsHartree.Length < needed)
        {
            throw new ArgumentException($"destinations hold fewer than the {needed} possible excitations");
        }

        var written = 0;
        void Emit(Span<T> dets, Span<double> values, T connected, double value)
        {
            if (value != 0.0)
            {
                dets[written] = connected;
                values[written] = value;
                written++;
            }
        }

        // Singles, alpha then beta: slot = hole index * virtual count + particle index.
        for (var spin = 0; spin < 2; spin++)
        {
            var holes = spin == 0 ? occupiedAlpha[..oa] : occupiedBeta[..ob];
            var particles = spin == 0 ? virtualAlpha[..va] : virtualBeta[..vb];
            foreach (var i in holes)
            {
                foreach (var a in particles)
                {
                    var value = Signed(SingleSign(determinant, i, a), SingleValue(occ, i, a));
                    Emit(determinants, elementsHartree, determinant.Without(i).With(a), value);
                }
            }
        }

        // Same-spin doubles, alpha then beta: hole pairs (i < j) and particle pairs (a < b) in triangular order.
        for (var spin = 0; spin < 2; spin++)
        {
            var holes = spin == 0 ? occupiedAlpha[..oa] : occupiedBeta[..ob];
            var particles = spin == 0 ? virtualAlpha[..va] : virtualBeta[..vb];
            for (var y = 1; y < holes.Length; y++)
            {
                for (var x = 0; x < y; x++)
                {
                    var (i, j) = (holes[x], holes[y]);
                    for (var d = 1; d < particles.Length; d++)
                    {
                        for (var c = 0; c < d; c++)
                        {
                            var (a, b) = (particles[c], particles[d]);
                            var value = Signed(DoubleSign(determinant, i, j, a, b), DoubleValue(i, j, a, b));
                            Emit(determinants, elementsHartree, Excite(determinant, i, j, a, b), value);
                        }
                    }
                }
            }
        }

        // Opposite-spin doubles: alpha i -> a and beta j -> b.
        foreach (var i in occupiedAlpha[..oa])
        {
            foreach (var a in virtualAlpha[..va])
            {
                foreach (var j in occupiedBeta[..ob])
                {
                    foreach (var b in virtualBeta[..vb])
                    {
                        var value = Signed(DoubleSign(determinant, i, j, a, b), DoubleValue(i, j, a, b));
                        Emit(determinants, elementsHartree, Excite(determinant, i, j, a, b), value);
                    }
                }
            }
        }
        return written;
    }

    /// <summary>h_ai + sum_{k occupied, k != i} [(ai|kk) - delta(s_i, s_k) (ak|ki)] for the single i -> a, before
    /// its sign.</summary>
    /// <remarks>Szabo and Ostlund, Table 2.4, case 2, written with spatial integrals. The k = i term is zero
    /// analytically and is skipped: adding and subtracting it would round, and skipping it makes &lt;D'|H|D&gt; and
    /// &lt;D|H|D'&gt; sum the same terms in the same order, so H is symmetric to the bit.
    /// <see cref="ConnectedKernel"/> repeats these operations in this order, so both agree to the bit.</remarks>
    private double SingleValue(ReadOnlySpan<int> occupied, int i, int a)
    {
        var n = _n;
        var p = a >> 1;
        var q = i >> 1;
        var spin = i & 1;
        var value = _oneElectron[p * n + q];
        foreach (var k in occupied)
        {
            if (k == i)
            {
                continue;
            }
            var r = k >> 1;
            value += _twoElectron[((p * n + q) * n + r) * n + r];
            if ((k & 1) == spin)
            {
                value -= _twoElectron[((p * n + r) * n + r) * n + q];
            }
        }
        return value;
    }

    /// <summary>&lt;ab||ij&gt; = (ai|bj) delta(s_a, s_i) delta(s_b, s_j) - (aj|bi) delta(s_a, s_j) delta(s_b, s_i),
    /// before its sign (Szabo and Ostlund, Table 2.4, case 3).</summary>
    private double DoubleValue(int i, int j, int a, int b)
    {
        var direct = ((a ^ i) & 1) == 0 && ((b ^ j) & 1) == 0 ? TwoElectron(a >> 1, i >> 1, b >> 1, j >> 1) : 0.0;
        var exchange = ((a ^ j) & 1) == 0 && ((b ^ i) & 1) == 0 ? TwoElectron(a >> 1, j >> 1, b >> 1, i >> 1) : 0.0;
        return direct - exchange;
    }

    private static T Excite<T>(T determinant, int i, int j, int a, int b)
        where T : unmanaged, IDeterminant<T> =>
        determinant.Without(i).Without(j).With(b).With(a);

    /// <summary>Parity of a†_a a_i |D&gt;: occupied below i in D, then below a in D without i.</summary>
    private static int SingleSign<T>(T determinant, int i, int a)
        where T : unmanaged, IDeterminant<T>
    {
        var removed = determinant.Without(i);
        return (determinant.OccupiedBelow(i) + removed.OccupiedBelow(a)) & 1;
    }

    /// <summary>Parity of a†_a a†_b a_j a_i |D&gt;, applying the operators right to left.</summary>
    private static int DoubleSign<T>(T determinant, int i, int j, int a, int b)
        where T : unmanaged, IDeterminant<T>
    {
        var d1 = determinant.Without(i);
        var d2 = d1.Without(j);
        var d3 = d2.With(b);
        return (determinant.OccupiedBelow(i) + d1.OccupiedBelow(j) + d2.OccupiedBelow(b) + d3.OccupiedBelow(a)) & 1;
    }

    private static double Signed(int parity, double value) => parity == 0 ? value : -value;

    private void CheckFits<T>(T determinant)
        where T : unmanaged, IDeterminant<T>
    {
        if (_n < 64 && ((determinant.AlphaString | determinant.BetaString) >> _n) != 0)
        {
            throw new ArgumentException($"the determinant occupies orbitals beyond the Hamiltonian's {_n}", nameof(determinant));
        }
    }
}
