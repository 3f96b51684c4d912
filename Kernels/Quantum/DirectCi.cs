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
    private readonly int[] _betaPosition;
    private readonly SparseMatrix _alphaBlockHamiltonian;
    private readonly SparseMatrix _betaBlockHamiltonian;
    private readonly int _padded;
    private readonly int _groupedWidth;

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
        _betaPosition = new int[beta.Count];
        foreach (var group in _betaOfIrrep)
        {
            for (var x = 0; x < group.Length; x++)
            {
                _betaPosition[group[x]] = x;
            }
        }
        // Same-spin matrices for the irrep blocks: only the entries that keep the string's irrep (all of them when the
        // integrals have the symmetry ORBSYM claims), beta columns as positions within their irrep.
        _alphaBlockHamiltonian = SameIrrep(alphaHamiltonian, _alphaIrrep, null);
        _betaBlockHamiltonian = SameIrrep(betaHamiltonian, _betaIrrep, _betaPosition);
        var lanes = Vector<double>.Count;
        _padded = (alpha.MaxLinks + lanes - 1) / lanes * lanes;
        // Block mode groups an alpha string's replacements by the irrep of their target, each group padded to whole vectors.
        _groupedWidth = (alpha.MaxLinks + 8 * (lanes - 1) + lanes - 1) / lanes * lanes;
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

    /// <summary>Whether ORBSYM was given, so that <see cref="BlockOf"/> splits the sector into irrep blocks.</summary>
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
            Span<double> coulomb = stackalloc double[n];
            AlphaCoulomb(ia, coulomb);
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

    /// <summary>The diagonal of <paramref name="block"/> alone, the same bits as <see cref="BlockDiagonal"/> of
    /// <see cref="Diagonal()"/> without the sector's whole diagonal (|G| times the block's memory).</summary>
    public double[] Diagonal(IrrepBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var n = OrbitalCount;
        var result = new double[block.Dimension];
        var alphaDiagonal = _alphaHamiltonian.Diagonal();
        var betaDiagonal = _betaHamiltonian.Diagonal();
        Parallel.For(0, _alpha.Count, ia =>
        {
            Span<double> coulomb = stackalloc double[n];
            AlphaCoulomb(ia, coulomb);
            var group = _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]];
            var start = block.Offsets[ia];
            for (var x = 0; x < group.Length; x++)
            {
                var ib = group[x];
                var cross = 0.0;
                for (var rest = _beta.Strings[ib]; rest != 0; rest &= rest - 1)
                {
                    cross += coulomb[BitOperations.TrailingZeroCount(rest)];
                }
                result[start + x] = CoreEnergyHartree + alphaDiagonal[ia] + betaDiagonal[ib] + cross;
            }
        });
        return result;
    }

    // Coulomb coupling of alpha string ia with a beta electron in each orbital j: the sum over its orbitals i of (ii|jj).
    private void AlphaCoulomb(int ia, Span<double> coulomb)
    {
        var n = OrbitalCount;
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
    }

    /// <summary>The determinant of the sector at <paramref name="position"/> of <paramref name="block"/>.</summary>
    public long SectorIndex(IrrepBlock block, long position)
    {
        ArgumentNullException.ThrowIfNull(block);
        var found = Array.BinarySearch(block.Offsets, position);
        // The last alpha string whose row starts at or before the position (rows of no determinant share an offset).
        var ia = found >= 0 ? found : ~found - 1;
        while (block.Offsets[ia + 1] <= position)
        {
            ia++;
        }
        var group = _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]];
        return (long)ia * _beta.Count + group[position - block.Offsets[ia]];
    }

    /// <summary>sigma = H c over the whole sector.</summary>
    /// <param name="c">The CI vector.</param>
    /// <param name="sigma">Receives H c.</param>
    /// <param name="maxDegreeOfParallelism">Most threads; -1 for no limit. The result does not depend on it.</param>
    /// <param name="cancellationToken">Checked per alpha string.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Multiply(double[] c, double[] sigma, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
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
                for (var ib = 0; ib < nb; ib++)
                {
                    row[ib] = CoreEnergyHartree * own[ib];
                }
                AlphaAlpha(ia, c, row);
                BetaBeta(own, row);
                AlphaBeta(ia, c, row, work);
                return work;
            },
            _ => { });
    }

    /// <summary>The determinants of irrep <paramref name="irrep"/> (ORBSYM label - 1) as a vector space of its own:
    /// for each alpha string, the beta strings whose irrep completes it, in rank order.</summary>
    public IrrepBlock BlockOf(int irrep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(irrep);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(irrep, 7);
        var offsets = new long[_alpha.Count + 1];
        for (var ia = 0; ia < _alpha.Count; ia++)
        {
            offsets[ia + 1] = offsets[ia] + _betaOfIrrep[irrep ^ _alphaIrrep[ia]].Length;
        }
        return new IrrepBlock(irrep, offsets);
    }

    /// <summary>sigma = H c within one irrep block (vectors of <see cref="IrrepBlock.Dimension"/> elements): H conserves
    /// the irrep, so this is the sector's product restricted to the block, at about 1/|G| of the work and memory
    /// (one block per irrep, as Psi4's detci and PySCF's <c>direct_spin1_symm</c>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Multiply(IrrepBlock block, double[] c, double[] sigma, int maxDegreeOfParallelism = -1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(sigma);
        if (c.LongLength != block.Dimension || sigma.LongLength != block.Dimension)
        {
            throw new ArgumentException($"vectors must have {block.Dimension} elements");
        }
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        var n2 = OrbitalCount * OrbitalCount;
        var nb = _beta.Count;
        Parallel.For(
            0,
            _alpha.Count,
            parallel,
            () => new Workspace(nb * _groupedWidth, n2 * _groupedWidth),
            (ia, _, work) =>
            {
                var start = (int)block.Offsets[ia];
                var length = (int)(block.Offsets[ia + 1] - start);
                var row = sigma.AsSpan(start, length);
                var own = c.AsSpan(start, length);
                for (var x = 0; x < length; x++)
                {
                    row[x] = CoreEnergyHartree * own[x];
                }
                // H_aa keeps the alpha string's irrep, so every J_a has I_a's beta strings: whole rows, contiguous.
                var starts = _alphaBlockHamiltonian.RowStarts;
                var columns = _alphaBlockHamiltonian.Columns;
                var values = _alphaBlockHamiltonian.Values;
                for (var k = (int)starts[ia]; k < (int)starts[ia + 1]; k++)
                {
                    Axpy(values[k], c.AsSpan((int)block.Offsets[columns[k]], length), row);
                }
                BetaBetaBlock(own, row, _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]]);
                AlphaBetaBlock(ia, c, row, work, block);
                return work;
            },
            _ => { });
    }

    /// <summary>The diagonal of <paramref name="block"/>, from the sector's <paramref name="diagonal"/>.</summary>
    public double[] BlockDiagonal(IrrepBlock block, double[] diagonal)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(diagonal);
        var result = new double[block.Dimension];
        var nb = _beta.Count;
        for (var ia = 0; ia < _alpha.Count; ia++)
        {
            var group = _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]];
            for (var x = 0; x < group.Length; x++)
            {
                result[block.Offsets[ia] + x] = diagonal[(long)ia * nb + group[x]];
            }
        }
        return result;
    }

    /// <summary>A block vector as a vector of the whole sector (zero outside the block).</summary>
    public double[] Expand(IrrepBlock block, double[] c)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(c);
        var result = new double[Dimension];
        var nb = _beta.Count;
        for (var ia = 0; ia < _alpha.Count; ia++)
        {
            var group = _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]];
            for (var x = 0; x < group.Length; x++)
            {
                result[(long)ia * nb + group[x]] = c[block.Offsets[ia] + x];
            }
        }
        return result;
    }

    /// <summary>The spin-flip permutation of <paramref name="block"/>: the position of determinant (J_a = I_b, J_b = I_a)
    /// for each position (I_a, I_b); null unless alpha and beta strings are the same set (M_s = 0).</summary>
    /// <remarks>Flipping every spin maps the determinant to this partner up to a sign that depends only on the electron
    /// counts, so the permutation commutes with H: its even vectors (c_IJ = c_JI) hold the states of even S, its odd
    /// ones those of odd S, and each can be solved alone.</remarks>
    public int[]? SpinFlip(IrrepBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (AlphaCount != BetaCount || block.Dimension > int.MaxValue)
        {
            return null;
        }
        var flip = new int[block.Dimension];
        for (var ia = 0; ia < _alpha.Count; ia++)
        {
            var group = _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]];
            var start = (int)block.Offsets[ia];
            for (var x = 0; x < group.Length; x++)
            {
                var ib = group[x];
                flip[start + x] = (int)block.Offsets[ib] + _betaPosition[ia];
            }
        }
        return flip;
    }

    /// <summary>The position in <paramref name="block"/> of determinant <paramref name="index"/> of the sector, or -1
    /// when it is of another irrep.</summary>
    public long BlockIndex(IrrepBlock block, long index)
    {
        ArgumentNullException.ThrowIfNull(block);
        var (ia, ib) = Math.DivRem(index, _beta.Count);
        return (_alphaIrrep[ia] ^ _betaIrrep[ib]) == block.Irrep ? block.Offsets[ia] + _betaPosition[ib] : -1;
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

    private void BetaBetaBlock(ReadOnlySpan<double> own, Span<double> row, int[] group)
    {
        var starts = _betaBlockHamiltonian.RowStarts;
        var columns = _betaBlockHamiltonian.Columns;
        var values = _betaBlockHamiltonian.Values;
        for (var x = 0; x < group.Length; x++)
        {
            var ib = group[x];
            var sum = 0.0;
            for (var k = (int)starts[ib]; k < (int)starts[ib + 1]; k++)
            {
                sum += values[k] * own[columns[k]];
            }
            row[x] += sum;
        }
    }

    /// <summary>The opposite-spin product of one alpha string within an irrep block. T[J_b, k] is nonzero only where
    /// J_b's irrep completes that of J_a(k), so the replacements are grouped by the irrep of J_a (each group padded
    /// to whole vectors) and each dot product runs over the one group J_b can meet: about 1/|G| of the length.</summary>
    private void AlphaBetaBlock(int ia, double[] c, Span<double> row, Workspace work, IrrepBlock block)
    {
        var n2 = OrbitalCount * OrbitalCount;
        var lanes = Vector<double>.Count;
        var width = _groupedWidth;
        var t = work.T;
        var w = work.W;
        var first = _alpha.Starts[ia];
        var links = _alpha.Starts[ia + 1] - first;
        Span<int> groupStart = stackalloc int[9];
        Span<int> groupCount = stackalloc int[8];
        for (var k = 0; k < links; k++)
        {
            groupCount[_alphaIrrep[_alpha.Targets[first + k]]]++;
        }
        groupStart[0] = 0;
        for (var g = 0; g < 8; g++)
        {
            groupStart[g + 1] = groupStart[g] + (groupCount[g] + lanes - 1) / lanes * lanes;
        }
        Span<int> cursor = stackalloc int[8];
        groupStart[..8].CopyTo(cursor);
        for (var k = 0; k < links; k++)
        {
            var sign = _alpha.Signs[first + k];
            var ja = _alpha.Targets[first + k];
            var ga = _alphaIrrep[ja];
            var column = cursor[ga]++;
            var group = _betaOfIrrep[block.Irrep ^ ga];
            var source = c.AsSpan((int)block.Offsets[ja], group.Length);
            for (var x = 0; x < group.Length; x++)
            {
                t[group[x] * width + column] = sign * source[x];
            }
            var pq = _alpha.Operators[first + k];
            for (var rs = 0; rs < n2; rs++)
            {
                w[rs * width + column] = _eri[pq * n2 + rs];
            }
        }
        // The padding of each group is read by the dot products: zero it in T (W's stale entries then add 0).
        for (var g = 0; g < 8; g++)
        {
            if (cursor[g] == groupStart[g + 1])
            {
                continue;
            }
            foreach (var jb in _betaOfIrrep[block.Irrep ^ g])
            {
                t.AsSpan(jb * width + cursor[g], groupStart[g + 1] - cursor[g]).Clear();
            }
        }
        var tVectors = MemoryMarshal.Cast<double, Vector<double>>(t.AsSpan());
        var wVectors = MemoryMarshal.Cast<double, Vector<double>>(w.AsSpan());
        var perRow = width / lanes;
        var rows = _betaOfIrrep[block.Irrep ^ _alphaIrrep[ia]];
        for (var x0 = 0; x0 < rows.Length; x0++)
        {
            var ib = rows[x0];
            var sum = 0.0;
            for (var m = _beta.Starts[ib]; m < _beta.Starts[ib + 1]; m++)
            {
                var jb = _beta.Targets[m];
                // J_a of irrep g meets J_b only when g = block irrep ^ irrep(J_b).
                var g = block.Irrep ^ _betaIrrep[jb];
                var from = groupStart[g] / lanes;
                var length = groupStart[g + 1] / lanes - from;
                if (length == 0)
                {
                    continue;
                }
                var tRow = tVectors.Slice(jb * perRow + from, length);
                var wRow = wVectors.Slice(_beta.Operators[m] * perRow + from, length);
                var dot = Vector<double>.Zero;
                for (var x = 0; x < length; x++)
                {
                    dot += tRow[x] * wRow[x];
                }
                sum += _beta.Signs[m] * Vector.Sum(dot);
            }
            row[x0] += sum;
        }
    }

    private void AlphaBeta(int ia, double[] c, Span<double> row, Workspace work)
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
            var source = c.AsSpan((int)((long)_alpha.Targets[first + k] * nb), nb);
            for (var jb = 0; jb < nb; jb++)
            {
                t[jb * width + k] = sign * source[jb];
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
        for (var ib = 0; ib < nb; ib++)
        {
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

    private static SparseMatrix SameIrrep(SparseMatrix matrix, int[] irreps, int[]? positions)
    {
        var starts = new long[matrix.Dimension + 1];
        var columns = new List<int>();
        var values = new List<double>();
        for (var r = 0; r < matrix.Dimension; r++)
        {
            for (var e = matrix.RowStarts[r]; e < matrix.RowStarts[r + 1]; e++)
            {
                var column = matrix.Columns[(int)e];
                if (irreps[column] == irreps[r])
                {
                    columns.Add(positions is null ? column : positions[column]);
                    values.Add(matrix.Values[(int)e]);
                }
            }
            starts[r + 1] = columns.Count;
        }
        return new SparseMatrix(starts, [.. columns], [.. values]);
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

    /// <summary>The determinants of one irrep of a <see cref="DirectCi"/> sector, numbered alpha-major.</summary>
    /// <param name="Irrep">ORBSYM label - 1.</param>
    /// <param name="Offsets">Where each alpha string's beta strings start, and the end.</param>
    public sealed record IrrepBlock(int Irrep, long[] Offsets)
    {
        /// <summary>Determinants of the block.</summary>
        public long Dimension => Offsets[^1];
    }

    private sealed class Workspace(int tLength, int wLength)
    {
        public double[] T { get; } = new double[tLength];

        public double[] W { get; } = new double[wLength];
    }
}
