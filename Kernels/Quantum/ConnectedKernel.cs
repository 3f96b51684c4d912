using Dataflow.Kernels.Compute;
using ILGPU;

namespace Dataflow.Kernels.Quantum;

/// <summary>ILGPU kernel enumerating, for a batch of 64-bit determinants, every spin-conserving single and double
/// excitation and its Hamiltonian matrix element: one index per (determinant, excitation slot).</summary>
/// <remarks>
/// <para>Slots follow <see cref="ExcitationLayout"/>; each index decodes its excitation from the slot number,
/// so no index depends on another. Elements that vanish by symmetry are written as 0, not skipped; dropping
/// them gives exactly the list of <see cref="MolecularHamiltonian.Connected{T}(T, Span{T}, Span{double})"/>,
/// which performs the same floating-point operations in the same order.</para>
/// <para>Double precision throughout. Determinants of at most 32 spatial orbitals (one <see cref="ulong"/>).</para>
/// </remarks>
public static class ConnectedKernel
{
    /// <summary>Writes slot <paramref name="index"/>: determinant <c>index / slots</c>, excitation
    /// <c>index % slots</c>.</summary>
    /// <param name="index">Global slot number, below DeterminantCount * SlotsPerDeterminant.</param>
    /// <param name="determinants">The kets, bit 2p = alpha and 2p + 1 = beta of spatial orbital p.</param>
    /// <param name="oneElectronHartree">h_pq, row-major n x n.</param>
    /// <param name="twoElectronHartree">(pq|rs), row-major n^4, 8-fold symmetric.</param>
    /// <param name="layout">Sector and slot numbering.</param>
    /// <param name="connected">Output: the excited determinant of each slot.</param>
    /// <param name="elementsHartree">Output: &lt;excited|H|ket&gt; of each slot.</param>
    public static void Enumerate(
        Index1D index,
        ArrayView<ulong> determinants,
        ArrayView<double> oneElectronHartree,
        ArrayView<double> twoElectronHartree,
        ExcitationLayout layout,
        ArrayView<ulong> connected,
        ArrayView<double> elementsHartree)
    {
        var slots = layout.SlotsPerDeterminant;
        var d = index.X / slots;
        if (d >= layout.DeterminantCount)
        {
            return;
        }
        var k = index.X - d * slots;
        var det = determinants[d];
        var n = layout.OrbitalCount;
        var va = layout.AlphaVirtualCount;
        var vb = layout.BetaVirtualCount;
        int i, j, a, b;
        if (k < layout.SinglesAlpha + layout.SinglesBeta)
        {
            var spin = k < layout.SinglesAlpha ? 0 : 1;
            var local = spin == 0 ? k : k - layout.SinglesAlpha;
            var virtuals = spin == 0 ? va : vb;
            i = NthSpinOrbital(det, n, spin, local / virtuals, 1UL);
            a = NthSpinOrbital(det, n, spin, local % virtuals, 0UL);
            var value = SingleValue(det, n, oneElectronHartree, twoElectronHartree, i, a);
            var parity = (PopCountBelow(det, i) + PopCountBelow(det & ~(1UL << i), a)) & 1;
            connected[index] = (det & ~(1UL << i)) | (1UL << a);
            elementsHartree[index] = parity == 0 ? value : -value;
            return;
        }
        k -= layout.SinglesAlpha + layout.SinglesBeta;
        if (k < layout.DoublesAlphaAlpha + layout.DoublesBetaBeta)
        {
            var spin = k < layout.DoublesAlphaAlpha ? 0 : 1;
            var local = spin == 0 ? k : k - layout.DoublesAlphaAlpha;
            var virtuals = spin == 0 ? va : vb;
            var particlePairs = virtuals * (virtuals - 1) / 2;
            var holePair = local / particlePairs;
            var particlePair = local - holePair * particlePairs;
            var y = PairHigh(holePair);
            var x = holePair - y * (y - 1) / 2;
            i = NthSpinOrbital(det, n, spin, x, 1UL);
            j = NthSpinOrbital(det, n, spin, y, 1UL);
            var w = PairHigh(particlePair);
            var v = particlePair - w * (w - 1) / 2;
            a = NthSpinOrbital(det, n, spin, v, 0UL);
            b = NthSpinOrbital(det, n, spin, w, 0UL);
        }
        else
        {
            k -= layout.DoublesAlphaAlpha + layout.DoublesBetaBeta;
            var bIndex = k % vb;
            k /= vb;
            var jIndex = k % layout.BetaCount;
            k /= layout.BetaCount;
            var aIndex = k % va;
            var iIndex = k / va;
            i = NthSpinOrbital(det, n, 0, iIndex, 1UL);
            a = NthSpinOrbital(det, n, 0, aIndex, 0UL);
            j = NthSpinOrbital(det, n, 1, jIndex, 1UL);
            b = NthSpinOrbital(det, n, 1, bIndex, 0UL);
        }

        // <ab||ij> = (ai|bj) d(s_a,s_i) d(s_b,s_j) - (aj|bi) d(s_a,s_j) d(s_b,s_i), Szabo and Ostlund Table 2.4;
        // sign of a+_a a+_b a_j a_i |D> by counting occupied spin orbitals below each operator in turn.
        var direct = ((a ^ i) & 1) == 0 && ((b ^ j) & 1) == 0
            ? twoElectronHartree[Eri(n, a >> 1, i >> 1, b >> 1, j >> 1)]
            : 0.0;
        var exchange = ((a ^ j) & 1) == 0 && ((b ^ i) & 1) == 0
            ? twoElectronHartree[Eri(n, a >> 1, j >> 1, b >> 1, i >> 1)]
            : 0.0;
        var element = direct - exchange;
        var d1 = det & ~(1UL << i);
        var d2 = d1 & ~(1UL << j);
        var d3 = d2 | (1UL << b);
        var doubleParity = (PopCountBelow(det, i) + PopCountBelow(d1, j) + PopCountBelow(d2, b) + PopCountBelow(d3, a)) & 1;
        connected[index] = d3 | (1UL << a);
        elementsHartree[index] = doubleParity == 0 ? element : -element;
    }

    /// <summary>Runs <see cref="Enumerate"/> over a batch of determinants of one (N_alpha, N_beta) sector.</summary>
    /// <param name="backend">Where to run: direct dispatch on CPU, an ILGPU accelerator otherwise.</param>
    /// <param name="hamiltonian">At most 32 spatial orbitals.</param>
    /// <param name="determinants">Kets as <see cref="Determinant64.Bits"/>, all with the electron counts of the first.</param>
    /// <exception cref="ArgumentException">Mixed sectors, orbitals beyond the Hamiltonian, or more than 32 orbitals.</exception>
    public static ConnectedBatch Run(ComputeBackend backend, MolecularHamiltonian hamiltonian, ReadOnlySpan<ulong> determinants)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(hamiltonian);
        var n = hamiltonian.OrbitalCount;
        if (n > 32)
        {
            throw new ArgumentException($"the 64-bit kernel handles up to 32 spatial orbitals, not {n}", nameof(hamiltonian));
        }
        if (determinants.IsEmpty)
        {
            return new ConnectedBatch(0, [], []);
        }
        var first = new Determinant64(determinants[0]);
        foreach (var bits in determinants)
        {
            var det = new Determinant64(bits);
            if (det.AlphaCount != first.AlphaCount || det.BetaCount != first.BetaCount)
            {
                throw new ArgumentException("all determinants of a batch must have the same alpha and beta counts", nameof(determinants));
            }
            if (n < 32 && bits >> (2 * n) != 0)
            {
                throw new ArgumentException($"a determinant occupies orbitals beyond the Hamiltonian's {n}", nameof(determinants));
            }
        }
        var layout = ExcitationLayout.Create(n, first.AlphaCount, first.BetaCount, determinants.Length);
        var total = (long)layout.SlotsPerDeterminant * determinants.Length;
        if (total > int.MaxValue)
        {
            throw new ArgumentException($"{total} slots exceed one launch; split the batch", nameof(determinants));
        }
        if (total == 0)
        {
            return new ConnectedBatch(0, [], []);
        }
        using var kets = backend.FromArray(determinants);
        using var h = backend.FromArray(hamiltonian.OneElectronHartree);
        using var eri = backend.FromArray(hamiltonian.TwoElectronHartree);
        using var connected = backend.Allocate1D<ulong>((int)total);
        using var elements = backend.Allocate1D<double>((int)total);
        backend.Launch(
            Enumerate,
            new LaunchExtent((int)total, 256),
            kets.View,
            h.View,
            eri.View,
            layout,
            connected.View,
            elements.View);
        return new ConnectedBatch(layout.SlotsPerDeterminant, connected.ToArray(), elements.ToArray());
    }

    // Same operations, in the same order, as MolecularHamiltonian.SingleValue.
    private static double SingleValue(
        ulong det, int n, ArrayView<double> h, ArrayView<double> eri, int i, int a)
    {
        var p = a >> 1;
        var q = i >> 1;
        var spin = i & 1;
        var value = h[p * n + q];
        for (var s = 0; s < 2 * n; s++)
        {
            if (((det >> s) & 1UL) == 0 || s == i)
            {
                continue;
            }
            var r = s >> 1;
            value += eri[Eri(n, p, q, r, r)];
            if ((s & 1) == spin)
            {
                value -= eri[Eri(n, p, r, r, q)];
            }
        }
        return value;
    }

    private static int Eri(int n, int p, int q, int r, int s) => ((p * n + q) * n + r) * n + s;

    // The m-th (0-based) spin orbital of the given spin that is occupied (wanted = 1) or empty (wanted = 0).
    private static int NthSpinOrbital(ulong det, int n, int spin, int m, ulong wanted)
    {
        var left = m;
        for (var p = 0; p < n; p++)
        {
            var s = 2 * p + spin;
            if (((det >> s) & 1UL) == wanted)
            {
                if (left == 0)
                {
                    return s;
                }
                left--;
            }
        }
        return -1;
    }

    // y of the pair number t = y(y-1)/2 + x with x < y.
    private static int PairHigh(int t)
    {
        var y = 1;
        while ((y + 1) * y / 2 <= t)
        {
            y++;
        }
        return y;
    }

    // ILGPU compiles System.Numerics.BitOperations for its accelerators (the PTX spec compiles this kernel); on the
    // CPU it is the hardware population count.
    private static int PopCountBelow(ulong det, int bit) =>
        System.Numerics.BitOperations.PopCount(det & ((1UL << bit) - 1UL));
}
