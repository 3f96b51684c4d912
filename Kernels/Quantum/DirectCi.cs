using System.Numerics;
using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Quantum;

/// <summary>The Hamiltonian of one (N_alpha, N_beta) full-CI sector applied to a CI vector without storing it
/// (direct CI): sigma = H c = (E_core + H_aa + H_bb + H_ab) c, string-driven.</summary>
/// <remarks>
/// <para>The CI vector is a matrix c[I_a, I_b] over alpha and beta strings (<see cref="OccupationStrings"/> rank order),
/// index I_a * (beta strings) + I_b, the layout of <see cref="CiSpace{T}"/>. Determinants are ordered alpha-first:
/// |I_a I_b&gt; = a†(I_a) b†(I_b) |vac&gt;, the convention of PySCF's <c>fci.direct_spin1</c> and Psi4's detci. The
/// explicit matrix of <see cref="FullCi.BuildHamiltonian{T}"/> interleaves the spins; the two differ by the sign
/// <see cref="InterleavedSign"/> of each determinant.</para>
/// <para>Same-spin parts: H_aa and H_bb are the Hamiltonians of the alpha (beta) electrons alone, sparse matrices over
/// strings (a few thousand rows for the molecules in reach), applied as sigma[I_a, :] += H_aa[I_a, J_a] c[J_a, :]
/// and sigma[:, I_b] += c[:, J_b] H_bb[I_b, J_b] (Olsen et al., J. Chem. Phys. 89, 2185 (1988), sigma1 and sigma2).</para>
/// <para>Opposite-spin part: sigma_ab[I_a, I_b] = sum (pq|rs) &lt;I_a|E_pq|J_a&gt; &lt;I_b|E_rs|J_b&gt; c[J_a, J_b]
/// (Olsen's sigma3). For each alpha string, T[J_b, k] = sign_k c[J_a(k), J_b] over its single replacements k, then
/// sigma[I_a, I_b] += sum over the beta replacements (rs, J_b) of I_b of sign * sum_k (pq_k|rs) T[J_b, k]: a dot
/// product of length (replacements of one string), vectorised.</para>
/// <para>Every element of sigma is written by the task of its alpha string alone, in a fixed order, so the product
/// is the same bits for any number of threads.</para>
/// </remarks>
public sealed class DirectCi
{
    private readonly StringLinks _alpha;
    private readonly StringLinks _beta;
    private readonly SparseMatrix _alphaHamiltonian;
    private readonly SparseMatrix _betaHamiltonian;
    private readonly double[] _eri;
    private readonly int[] _alphaIrrep;
    private readonly int[] _betaIrrep;
    private readonly int[][] _betaOfIrrep;
    private readonly int _padded;

    private DirectCi(MolecularHamiltonian hamiltonian, int alphaCount, int betaCount, IReadOnlyList<int>? orbitalIrreps,
        StringLinks alpha, StringLinks beta, SparseMatrix alphaHamiltonian, SparseMatrix betaHamiltonian)
    {
        OrbitalCount = hamiltonian.OrbitalCount;
        AlphaCount = alphaCount;
        BetaCount = betaCount;
        CoreEnergyHartree = hamiltonian.CoreEnergyHartree;
        _alpha = alpha;
        _beta = beta;
        _alphaHamiltonian = alphaHamiltonian;
        _betaHamiltonian = betaHamiltonian;
        _eri = hamiltonian.TwoElectronHartree.ToArray();
        _alphaIrrep = Irreps(alpha.Strings, orbitalIrreps);
        _betaIrrep = Irreps(beta.Strings, orbitalIrreps);
        _betaOfIrrep = Enumerable.Range(0, 8).Select(g => Enumerable.Range(0, beta.Count).Where(b => _betaIrrep[b] == g).ToArray()).ToArray();
        HasSymmetry = orbitalIrreps is { Count: > 0 };
        var lanes = Vector<double>.Count;
        _padded = (alpha.MaxLinks + lanes - 1) / lanes * lanes;
        Dimension = (long)alpha.Count * beta.Count;
    }

    /// <summary>Spatial orbitals.</summary>
    public int OrbitalCount { get; }

    /// <summary>Alpha electrons.</summary>
    public int AlphaCount { get; }

    /// <summary>Beta electrons.</summary>
    public int BetaCount { get; }

    /// <summary>E_core, added to every diagonal element.</summary>
    public double CoreEnergyHartree { get; }

    /// <summary>Determinants: alpha strings times beta strings.</summary>
    public long Dimension { get; }

    /// <summary>Whether ORBSYM was given, so that <see cref="Multiply"/> can keep to one irrep's block.</summary>
    public bool HasSymmetry { get; }

    /// <summary>Determinants of each irrep (index = ORBSYM label - 1).</summary>
    public long[] IrrepDimensions()
    {
        var counts = new long[8];
        for (var ia = 0; ia < _alpha.Count; ia++)
        {
            for (var g = 0; g < 8; g++)
            {
                counts[g ^ _alphaIrrep[ia]] += _betaOfIrrep[g].Length;
            }
        }
        return counts;
    }

    /// <summary>Alpha strings.</summary>
    public int AlphaStringCount => _alpha.Count;

    /// <summary>Beta strings.</summary>
    public int BetaStringCount => _beta.Count;

    /// <summary>Bytes of the string tables, same-spin matrices and integrals (not the CI vectors).</summary>
    public long TableBytes =>
        _alpha.Bytes + (ReferenceEquals(_alpha, _beta) ? 0 : _beta.Bytes) + _alphaHamiltonian.NonZeroCount * 12
        + (ReferenceEquals(_alphaHamiltonian, _betaHamiltonian) ? 0 : _betaHamiltonian.NonZeroCount * 12) + _eri.LongLength * 8;

    /// <summary>The operator of <paramref name="hamiltonian"/> on the sector with <paramref name="alphaCount"/> alpha
    /// and <paramref name="betaCount"/> beta electrons.</summary>
    /// <param name="orbitalIrreps">The FCIDUMP's ORBSYM (1-based labels whose product is the XOR of label - 1, as
    /// Molpro's and Cotton's D2h-subgroup numberings are), or null / empty for no symmetry.</param>
    /// <exception cref="ArgumentOutOfRangeException">A space of 2^31 determinants or more.</exception>
    public static DirectCi Create(MolecularHamiltonian hamiltonian, int alphaCount, int betaCount,
        IReadOnlyList<int>? orbitalIrreps = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(hamiltonian);
        var n = hamiltonian.OrbitalCount;
        ArgumentOutOfRangeException.ThrowIfNegative(alphaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alphaCount, n);
        ArgumentOutOfRangeException.ThrowIfNegative(betaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(betaCount, n);
        var dimension = OccupationStrings.Binomial(n, alphaCount) * OccupationStrings.Binomial(n, betaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, (long)Array.MaxLength, nameof(alphaCount));
        if (orbitalIrreps is { Count: > 0 } && orbitalIrreps.Count != n)
        {
            throw new ArgumentException($"ORBSYM has {orbitalIrreps.Count} labels for {n} orbitals", nameof(orbitalIrreps));
        }
        var alpha = StringLinks.Create(n, alphaCount);
        var beta = betaCount == alphaCount ? alpha : StringLinks.Create(n, betaCount);
        var alphaHamiltonian = SameSpin(hamiltonian, alphaCount, maxDegreeOfParallelism);
        var betaHamiltonian = betaCount == alphaCount ? alphaHamiltonian : SameSpin(hamiltonian, betaCount, maxDegreeOfParallelism);
        return new DirectCi(hamiltonian, alphaCount, betaCount, orbitalIrreps, alpha, beta, alphaHamiltonian, betaHamiltonian);
    }

    /// <summary>Sign taking the alpha-first determinant |I_a I_b&gt; to the spin-interleaved one of
    /// <see cref="IDeterminant{TSelf}"/>: (-1)^(pairs of an alpha orbital i and a beta orbital j with j &lt; i).</summary>
    public static double InterleavedSign(ulong alphaString, ulong betaString)
    {
        var parity = 0;
        for (var rest = alphaString; rest != 0; rest &= rest - 1)
        {
            var i = BitOperations.TrailingZeroCount(rest);
            parity += BitOperations.PopCount(betaString & ((1UL << i) - 1));
        }
        return (parity & 1) == 0 ? 1.0 : -1.0;
    }

    /// <summary>The alpha and beta strings of determinant <paramref name="index"/>.</summary>
    public (ulong Alpha, ulong Beta) Strings(long index)
    {
        var (a, b) = Math.DivRem(index, _beta.Count);
        return (_alpha.Strings[a], _beta.Strings[b]);
    }

    /// <summary>Irreducible representation of determinant <paramref name="index"/>, 1-based in the ORBSYM numbering
    /// (1 when there is no ORBSYM).</summary>
    public int Irrep(long index)
    {
        var (a, b) = Math.DivRem(index, _beta.Count);
        return (_alphaIrrep[a] ^ _betaIrrep[b]) + 1;
    }

    /// <summary>The diagonal &lt;I|H|I&gt;, core energy included.</summary>
    public double[] Diagonal()
    {
        var n = OrbitalCount;
        var nb = _beta.Count;
        var result = new double[Dimension];
        var alphaDiagonal = _alphaHamiltonian.Diagonal();
        var betaDiagonal = _betaHamiltonian.Diagonal();
        Parallel.For(0, _alpha.Count, ia =>
        {
            // Coulomb coupling of the two spins: sum over alpha i, beta j of (ii|jj).
            Span<double> coulomb = stackalloc double[n];
            var sa = _alpha.Strings[ia];
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var rest = sa; rest != 0; rest &= rest - 1)
                {
                    var i = BitOperations.TrailingZeroCount(rest);
                    sum += _eri[((i * n + i) * n + j) * n + j];
                }
                coulomb[j] = sum;
            }
            for (var ib = 0; ib < nb; ib++)
            {
                var cross = 0.0;
                for (var rest = _beta.Strings[ib]; rest != 0; rest &= rest - 1)
                {
                    cross += coulomb[BitOperations.TrailingZeroCount(rest)];
                }
                result[(long)ia * nb + ib] = CoreEnergyHartree + alphaDiagonal[ia] + betaDiagonal[ib] + cross;
            }
        });
        return result;
    }

    /// <summary>sigma = H c.</summary>
    /// <param name="c">The CI vector.</param>
    /// <param name="sigma">Receives H c.</param>
    /// <param name="maxDegreeOfParallelism">Most threads; -1 for no limit. The result does not depend on it.</param>
    /// <param name="irrep">When set (ORBSYM label - 1), <paramref name="c"/> must lie in that irrep's block (zero on
    /// every other determinant) and only the block is computed, the rest of sigma set to zero: H conserves the
    /// irrep, so this is the same product at about 1/|G| of the work (one block per irrep, as Psi4's detci and
    /// PySCF's <c>direct_spin1_symm</c>).</param>
    /// <param name="cancellationToken">Checked per alpha string.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Multiply(double[] c, double[] sigma, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default,
        int? irrep = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(sigma);
        if (c.LongLength != Dimension || sigma.LongLength != Dimension)
        {
            throw new ArgumentException($"vectors must have {Dimension} elements");
        }
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        var n2 = OrbitalCount * OrbitalCount;
        var nb = _beta.Count;
        Parallel.For(
            0,
            _alpha.Count,
            parallel,
            () => new Workspace(nb * _padded, n2 * _padded),
            (ia, _, work) =>
            {
                var row = sigma.AsSpan((int)((long)ia * nb), nb);
                var own = c.AsSpan((int)((long)ia * nb), nb);
                if (irrep is { } g)
                {
                    var block = _betaOfIrrep[g ^ _alphaIrrep[ia]];
                    row.Clear();
                    foreach (var ib in block)
                    {
                        row[ib] = CoreEnergyHartree * own[ib];
                    }
                    AlphaAlphaBlock(ia, c, row, block);
                    BetaBetaBlock(own, row, block);
                    AlphaBeta(ia, c, row, work, g, block);
                    return work;
                }
                for (var ib = 0; ib < nb; ib++)
                {
                    row[ib] = CoreEnergyHartree * own[ib];
                }
                AlphaAlpha(ia, c, row);
                BetaBeta(own, row);
                AlphaBeta(ia, c, row, work, null, null);
                return work;
            },
            _ => { });
    }

    /// <summary>&lt;c|S^2|c&gt; / &lt;c|c&gt; = S_z (S_z + 1) + N_beta - sum_pq &lt;c|E^alpha_pq E^beta_qp|c&gt; / &lt;c|c&gt;,
    /// from S^2 = S_- S_+ + S_z (S_z + 1) (Helgaker, Jorgensen and Olsen, eq. 2.4.21).</summary>
    public double SpinSquared(double[] c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var n = OrbitalCount;
        var n2 = n * n;
        var nb = _beta.Count;
        // For each beta string J_b and operator qp: the signed target of E_qp |J_b>, 0 when it annihilates J_b.
        var betaTarget = new int[(long)nb * n2];
        for (var jb = 0; jb < nb; jb++)
        {
            for (var k = _beta.Starts[jb]; k < _beta.Starts[jb + 1]; k++)
            {
                betaTarget[(long)jb * n2 + _beta.Operators[k]] = (int)_beta.Signs[k] * (_beta.Targets[k] + 1);
            }
        }
        var partial = new double[_alpha.Count];
        Parallel.For(0, _alpha.Count, ja =>
        {
            var sum = 0.0;
            for (var k = _alpha.Starts[ja]; k < _alpha.Starts[ja + 1]; k++)
            {
                var ia = _alpha.Targets[k];
                var p = _alpha.Operators[k] / n;
                var q = _alpha.Operators[k] % n;
                var qp = q * n + p;
                var sign = _alpha.Signs[k];
                for (var jb = 0; jb < nb; jb++)
                {
                    var target = betaTarget[(long)jb * n2 + qp];
                    if (target != 0)
                    {
                        var ib = Math.Abs(target) - 1;
                        sum += sign * Math.Sign(target) * c[(long)ia * nb + ib] * c[(long)ja * nb + jb];
                    }
                }
            }
            partial[ja] = sum;
        });
        var exchange = 0.0;
        foreach (var x in partial)
        {
            exchange += x;
        }
        var norm = 0.0;
        foreach (var x in c)
        {
            norm += x * x;
        }
        var sz = 0.5 * (AlphaCount - BetaCount);
        return sz * (sz + 1) + BetaCount - exchange / norm;
    }

    /// <summary>The weight sum c_I^2 of the determinants of each irrep (index = ORBSYM label - 1).</summary>
    public double[] IrrepWeights(double[] c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var weights = new double[8];
        var nb = _beta.Count;
        for (var ia = 0; ia < _alpha.Count; ia++)
        {
            for (var ib = 0; ib < nb; ib++)
            {
                var x = c[(long)ia * nb + ib];
                weights[_alphaIrrep[ia] ^ _betaIrrep[ib]] += x * x;
            }
        }
        return weights;
    }

    private void AlphaAlpha(int ia, double[] c, Span<double> row)
    {
        var nb = _beta.Count;
        var starts = _alphaHamiltonian.RowStarts;
        var columns = _alphaHamiltonian.Columns;
        var values = _alphaHamiltonian.Values;
        for (var k = starts[ia]; k < starts[ia + 1]; k++)
        {
            Axpy(values[(int)k], c.AsSpan((int)((long)columns[(int)k] * nb), nb), row);
        }
    }

    private void BetaBeta(ReadOnlySpan<double> own, Span<double> row)
    {
        var starts = _betaHamiltonian.RowStarts;
        var columns = _betaHamiltonian.Columns;
        var values = _betaHamiltonian.Values;
        for (var ib = 0; ib < row.Length; ib++)
        {
            var sum = 0.0;
            for (var k = (int)starts[ib]; k < (int)starts[ib + 1]; k++)
            {
                sum += values[k] * own[columns[k]];
            }
            row[ib] += sum;
        }
    }

    private void AlphaAlphaBlock(int ia, double[] c, Span<double> row, int[] block)
    {
        var nb = _beta.Count;
        var starts = _alphaHamiltonian.RowStarts;
        var columns = _alphaHamiltonian.Columns;
        var values = _alphaHamiltonian.Values;
        // H_aa conserves the alpha string's irrep, so every J_a here has I_a's beta block.
        for (var k = starts[ia]; k < starts[ia + 1]; k++)
        {
            var v = values[(int)k];
            var source = c.AsSpan((int)((long)columns[(int)k] * nb), nb);
            foreach (var ib in block)
            {
                row[ib] += v * source[ib];
            }
        }
    }

    private void BetaBetaBlock(ReadOnlySpan<double> own, Span<double> row, int[] block)
    {
        var starts = _betaHamiltonian.RowStarts;
        var columns = _betaHamiltonian.Columns;
        var values = _betaHamiltonian.Values;
        foreach (var ib in block)
        {
            var sum = 0.0;
            for (var k = (int)starts[ib]; k < (int)starts[ib + 1]; k++)
            {
                sum += values[k] * own[columns[k]];
            }
            row[ib] += sum;
        }
    }

    private void AlphaBeta(int ia, double[] c, Span<double> row, Workspace work, int? irrep, int[]? block)
    {
        var nb = _beta.Count;
        var n2 = OrbitalCount * OrbitalCount;
        var width = _padded;
        var t = work.T;
        var w = work.W;
        Array.Clear(t);
        Array.Clear(w);
        var first = _alpha.Starts[ia];
        var links = _alpha.Starts[ia + 1] - first;
        // <I_a|E_qp|J_a> = sign of the link E_pq |I_a> = sign |J_a>; (qp|rs) = (pq|rs) for real orbitals.
        for (var k = 0; k < links; k++)
        {
            var sign = _alpha.Signs[first + k];
            var ja = _alpha.Targets[first + k];
            var source = c.AsSpan((int)((long)ja * nb), nb);
            if (irrep is { } g)
            {
                foreach (var jb in _betaOfIrrep[g ^ _alphaIrrep[ja]])
                {
                    t[jb * width + k] = sign * source[jb];
                }
            }
            else
            {
                for (var jb = 0; jb < nb; jb++)
                {
                    t[jb * width + k] = sign * source[jb];
                }
            }
            var pq = _alpha.Operators[first + k];
            for (var rs = 0; rs < n2; rs++)
            {
                w[rs * width + k] = _eri[pq * n2 + rs];
            }
        }
        var tVectors = MemoryMarshal.Cast<double, Vector<double>>(t.AsSpan());
        var wVectors = MemoryMarshal.Cast<double, Vector<double>>(w.AsSpan());
        var blocks = width / Vector<double>.Count;
        var count = block?.Length ?? nb;
        for (var x0 = 0; x0 < count; x0++)
        {
            var ib = block is null ? x0 : block[x0];
            var sum = 0.0;
            for (var m = _beta.Starts[ib]; m < _beta.Starts[ib + 1]; m++)
            {
                // E_rs |I_b> = sign |J_b> gives <J_b|E_rs|I_b>, so <I_b|E_sr|J_b> = sign; (pq|sr) = (pq|rs).
                var tRow = tVectors.Slice(_beta.Targets[m] * blocks, blocks);
                var wRow = wVectors.Slice(_beta.Operators[m] * blocks, blocks);
                var dot = Vector<double>.Zero;
                for (var x = 0; x < blocks; x++)
                {
                    dot += tRow[x] * wRow[x];
                }
                sum += _beta.Signs[m] * Vector.Sum(dot);
            }
            row[ib] += sum;
        }
    }

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var lanes = Vector<double>.Count;
        var xv = MemoryMarshal.Cast<double, Vector<double>>(x);
        var yv = MemoryMarshal.Cast<double, Vector<double>>(y);
        var scale = new Vector<double>(alpha);
        for (var k = 0; k < xv.Length; k++)
        {
            yv[k] += scale * xv[k];
        }
        for (var k = xv.Length * lanes; k < x.Length; k++)
        {
            y[k] += alpha * x[k];
        }
    }

    private static SparseMatrix SameSpin(MolecularHamiltonian hamiltonian, int electronCount, int maxDegreeOfParallelism)
    {
        // The Hamiltonian of electrons of one spin alone is the full Hamiltonian on determinants with no electron of
        // the other spin: the same Slater-Condon code as the explicit matrix, less the core energy on the diagonal.
        var matrix = hamiltonian.OrbitalCount <= 32
            ? FullCi.BuildHamiltonian(hamiltonian, new CiSpace<Determinant64>(hamiltonian.OrbitalCount, electronCount, 0), maxDegreeOfParallelism)
            : FullCi.BuildHamiltonian(hamiltonian, new CiSpace<Determinant128>(hamiltonian.OrbitalCount, electronCount, 0), maxDegreeOfParallelism);
        return matrix.WithDiagonalShift(-hamiltonian.CoreEnergyHartree);
    }

    private static int[] Irreps(ulong[] strings, IReadOnlyList<int>? orbitalIrreps)
    {
        var result = new int[strings.Length];
        if (orbitalIrreps is not { Count: > 0 })
        {
            return result;
        }
        for (var i = 0; i < strings.Length; i++)
        {
            var irrep = 0;
            for (var rest = strings[i]; rest != 0; rest &= rest - 1)
            {
                irrep ^= orbitalIrreps[BitOperations.TrailingZeroCount(rest)] - 1;
            }
            result[i] = irrep;
        }
        return result;
    }

    private sealed class Workspace(int tLength, int wLength)
    {
        public double[] T { get; } = new double[tLength];

        public double[] W { get; } = new double[wLength];
    }
}
