using System.Diagnostics;

namespace Dataflow.Kernels.Quantum;

/// <summary>Options of <see cref="DirectFullCi"/>.</summary>
public sealed record DirectFullCiOptions
{
    /// <summary>States reported (the lowest over every spin and symmetry sector the guesses reach). Default 1.</summary>
    public int Roots { get; init; } = 1;

    /// <summary>Total spin S to target, or null for every spin: S sets the sector M_s = S (whose lowest state has
    /// spin S or more), and S = 0 keeps only vectors symmetric under spin flip (even S). Default null.</summary>
    public int? Spin { get; init; }

    /// <summary>Lowest-energy orbitals frozen doubly occupied (<see cref="FrozenCore.Fold"/>). Default 0.</summary>
    public int FrozenCore { get; init; }

    /// <summary>Irreducible representation to solve (ORBSYM label), or null for every irrep. Default null.</summary>
    public int? Irrep { get; init; }

    /// <summary>Ritz pairs refined beyond <see cref="Roots"/> in each Davidson, so that a spin or symmetry sector whose
    /// best determinant is not the lowest one is still found. Default 1, used where one Davidson spans several
    /// sectors: with ORBSYM and M_s = 0 none are needed (each irrep and spin-flip parity is a Davidson of its own); with
    /// ORBSYM and M_s &gt; 0 each irrep is one; without ORBSYM 3 are used.</summary>
    public int ExtraTracked { get; init; } = 1;

    /// <summary>Convergence and threads.</summary>
    public DavidsonOptions Davidson { get; init; } = DavidsonOptions.Default;
}

/// <summary>One eigenstate of a full-CI calculation.</summary>
/// <param name="EnergyHartree">Total energy, core included.</param>
/// <param name="SpinSquared">&lt;S^2&gt;.</param>
/// <param name="Irrep">Irreducible representation (ORBSYM numbering, 1 = totally symmetric) holding most of the
/// state's weight.</param>
/// <param name="ResidualNorm">||H c - E c||.</param>
public sealed record CiRoot(double EnergyHartree, double SpinSquared, int Irrep, double ResidualNorm);

/// <summary>The size of a full-CI calculation, known before any work.</summary>
/// <param name="Determinants">Determinants of the sector.</param>
/// <param name="MemoryBytes">Peak memory of the solve, estimated: CI vectors of the Davidson subspace plus tables.</param>
/// <param name="EstimatedSeconds">A rough wall time (product count times the work of one product at a measured
/// rate); good to a factor of a few.</param>
/// <param name="AlphaCount">Alpha electrons of the sector (after freezing the core).</param>
/// <param name="BetaCount">Beta electrons of the sector.</param>
/// <param name="OrbitalCount">Active orbitals.</param>
public sealed record CiSize(long Determinants, long MemoryBytes, double EstimatedSeconds, int AlphaCount, int BetaCount, int OrbitalCount);

/// <summary>The result of <see cref="DirectFullCi.Solve"/>.</summary>
public sealed record DirectFullCiResult
{
    /// <summary>The lowest states, by energy; the first is the ground state.</summary>
    public required IReadOnlyList<CiRoot> Roots { get; init; }

    /// <summary>Determinants of the sector.</summary>
    public required long Determinants { get; init; }

    /// <summary>Davidson iterations, summed over the irrep blocks.</summary>
    public required int Iterations { get; init; }

    /// <summary>Sigma products (H c) computed.</summary>
    public required int Products { get; init; }

    /// <summary>Peak working set of the process during the solve, bytes.</summary>
    public required long PeakMemoryBytes { get; init; }

    /// <summary>Ground-state coefficients, alpha-first (see <see cref="DirectCi"/>), normalised.</summary>
    public required double[] GroundCoefficients { get; init; }

    /// <summary>The operator used (its strings and sector).</summary>
    public required DirectCi Operator { get; init; }

    /// <summary>Wall time of the whole solve.</summary>
    public required TimeSpan Elapsed { get; init; }
}

/// <summary>Full CI by direct (matrix-free) sigma products and block Davidson from several spin-adapted guesses: the
/// lowest states over every spin and symmetry sector the guesses reach.</summary>
public static class DirectFullCi
{
    // Multiply-adds per second of one core in DirectCi's opposite-spin loop, measured on the 2-core build machine
    // (H2O / 6-31G); the estimate is rough by design.
    private const double MultiplyAddsPerSecondPerCore = 1.5e9;

    /// <summary>Determinants, memory and a rough time for <paramref name="fcidump"/> with <paramref name="options"/>,
    /// from counts alone (nothing is built).</summary>
    /// <exception cref="ArgumentException">The options do not fit the FCIDUMP (frozen core, spin).</exception>
    public static CiSize Estimate(Fcidump fcidump, DirectFullCiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        options ??= new DirectFullCiOptions();
        var (n, na, nb) = Sector(fcidump, options);
        var stringsA = OccupationStrings.Binomial(n, na);
        var stringsB = OccupationStrings.Binomial(n, nb);
        var determinants = stringsA * stringsB;
        var blocks = BlockDimensions(fcidump, options, n, na, nb);
        var largest = blocks.Max();
        var solved = options.Irrep is { } wanted ? blocks[Math.Clamp(wanted - 1, 0, blocks.Length - 1)] : determinants;
        var symmetric = blocks.Length > 1;
        var split = symmetric && na == nb;
        var tracked = options.Roots + (split ? 0 : symmetric ? options.ExtraTracked : Math.Max(options.ExtraTracked, 3));
        var parities = split && options.Spin != 0 ? 2 : 1;
        var vectors = 2L * MaxSubspace(tracked) + 3L * tracked + 2;
        var linksA = na * (n - na) + na;
        var linksB = nb * (n - nb) + nb;
        var threads = options.Davidson.MaxDegreeOfParallelism > 0 ? options.Davidson.MaxDegreeOfParallelism : Environment.ProcessorCount;
        var width = symmetric ? linksA + 8 * 3 + 3 : linksA + 3;
        var tables = (stringsA + stringsB) * 400L + (stringsA * (long)linksA + stringsB * (long)linksB) * 24
            + (long)n * n * n * n * 8 + threads * (stringsB * width + (long)n * n * width) * 8;
        // In double: a space far too large for any machine must still be sized (and refused), not overflow. The
        // Davidson vectors span the largest block; two whole-sector vectors (the ground state, and one for <S^2>) come on
        // top, and the sector's diagonal where there are no blocks.
        var memory = Math.Min((double)vectors * largest * 8 + (split ? 4.0 * largest : 0) + (symmetric ? 2.0 : 3.0) * determinants * 8
            + tables + 64.0 * 1024 * 1024, 9e18);
        var irrepCount = blocks.Count(b => b > 0);
        var dot = symmetric ? (double)linksA / irrepCount + 4 : linksA + 4;
        var work = (double)solved * linksB * dot;
        var seconds = 14.0 * tracked * parities * work / (MultiplyAddsPerSecondPerCore * threads);
        return new CiSize(determinants, (long)memory, seconds, na, nb, n);
    }

    /// <summary>The lowest <see cref="DirectFullCiOptions.Roots"/> states of <paramref name="fcidump"/>.</summary>
    /// <exception cref="InvalidOperationException">Davidson did not converge.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static DirectFullCiResult Solve(Fcidump fcidump, DirectFullCiOptions? options = null,
        Action<DavidsonProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        options ??= new DirectFullCiOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Roots, 1, nameof(options));
        var clock = Stopwatch.StartNew();
        var (n, na, nb) = Sector(fcidump, options);
        var active = options.FrozenCore > 0 ? FrozenCore.Fold(fcidump, options.FrozenCore) : fcidump;
        var hamiltonian = MolecularHamiltonian.FromFcidump(active);
        var threads = options.Davidson.MaxDegreeOfParallelism;
        var ci = DirectCi.Create(hamiltonian, na, nb, active.OrbitalSymmetries, threads);
        // With ORBSYM only the blocks' diagonals are built, never the sector's (|G| times a block's memory).
        var diagonal = ci.HasSymmetry ? null : ci.Diagonal();
        var products = 0;
        var iterations = 0;
        var peak = 0L;
        var roots = new List<CiRoot>();
        double[]? ground = null;
        var groundEnergy = double.PositiveInfinity;
        // One Davidson per irrep block when ORBSYM is known (vectors and products of about 1/|G| of the sector's),
        // else one over the whole sector with more tracked pairs.
        var irreps = ci.HasSymmetry ? ci.IrrepDimensions() : null;
        int?[] sectors = irreps is not null
            ? [.. Enumerable.Range(0, 8).Where(g => irreps[g] > 0 && (options.Irrep is null || options.Irrep == g + 1)).Select(g => (int?)g)]
            : [null];
        if (sectors.Length == 0)
        {
            throw new ArgumentException($"irrep {options.Irrep} has no determinants in this sector", nameof(options));
        }
        foreach (var sector in sectors)
        {
            var block = sector is { } g ? ci.BlockOf(g) : null;
            var dimension = block?.Dimension ?? ci.Dimension;
            var blockDiagonal = block is null ? diagonal! : ci.Diagonal(block);
            // With M_s = 0 the spin flip commutes with H: each parity (even S, odd S) of the block is solved alone, with
            // no extra tracked pair to keep the other parity alive (half the products of one Davidson over both), and
            // --spin 0 solves the even one only, as detci's Ms0 does.
            var flip = block is null ? null : ci.SpinFlip(block);
            int[] parities = flip is null ? [0] : options.Spin == 0 ? [1] : [1, -1];
            foreach (var parity in parities)
            {
                var span = flip is null ? dimension : ParityDimension(flip, parity);
                if (span == 0)
                {
                    continue;
                }
                var extra = flip is not null ? 0 : sector is null ? Math.Max(options.ExtraTracked, 3) : options.ExtraTracked;
                var tracked = (int)Math.Min(options.Roots + extra, span);
                SolveSector(block, dimension, blockDiagonal, flip, parity, span, tracked, sector);
            }
        }
        var lowest = roots.OrderBy(r => r.EnergyHartree).Take(options.Roots).ToArray();
        return new DirectFullCiResult
        {
            Roots = lowest,
            Determinants = ci.Dimension,
            Iterations = iterations,
            Products = products,
            PeakMemoryBytes = peak,
            GroundCoefficients = ground!,
            Operator = ci,
            Elapsed = clock.Elapsed,
        };

        void SolveSector(DirectCi.IrrepBlock? block, long dimension, double[] blockDiagonal, int[]? flip, int parity, long span,
            int tracked, int? sector)
        {
            var guesses = Guesses(ci, blockDiagonal, block, options, tracked, parity).Select(guess =>
            {
                var v = new double[dimension];
                foreach (var (index, value) in guess)
                {
                    v[block is null ? index : ci.BlockIndex(block, index)] = value;
                }
                return v;
            }).ToList();
            if (guesses.Count == 0)
            {
                // No determinant of this parity among the lowest candidates: a sector far above the others.
                return;
            }
            var found = BlockDavidson.Solve(
                dimension,
                (x, y) =>
                {
                    if (block is null)
                    {
                        ci.Multiply(x, y, threads, cancellationToken);
                    }
                    else
                    {
                        ci.Multiply(block, x, y, threads, cancellationToken);
                    }
                    products++;
                    peak = Math.Max(peak, Environment.WorkingSet);
                },
                blockDiagonal,
                guesses,
                tracked,
                MaxSubspace(tracked),
                options.Davidson,
                progress is null ? null : p => progress(p with { Irrep = sector + 1 }),
                cancellationToken,
                flip is null ? null : v => Project(v, flip, parity),
                span);
            guesses.Clear();
            iterations += found[0].Iterations;
            if (dimension >= 1_000_000)
            {
                // The solve's basis is garbage now: collect it before whole-sector vectors are made of the states.
                GC.Collect();
            }
            foreach (var state in found.Take(options.Roots))
            {
                var full = block is null ? state.Eigenvector : ci.Expand(block, state.Eigenvector);
                var irrep = sector + 1 ?? 0;
                if (irrep == 0)
                {
                    var weights = ci.IrrepWeights(full);
                    irrep = Array.IndexOf(weights, weights.Max()) + 1;
                }
                roots.Add(new CiRoot(state.Eigenvalue, ci.SpinSquared(full), irrep, state.ResidualNorm));
                if (state.Eigenvalue < groundEnergy)
                {
                    groundEnergy = state.Eigenvalue;
                    ground = full;
                }
                peak = Math.Max(peak, Environment.WorkingSet);
            }
        }
    }

    /// <summary>Vectors of <paramref name="flip"/>'s parity: half the block, plus (even) or minus (odd) half its fixed
    /// points, the closed-shell determinants, which are even.</summary>
    private static long ParityDimension(int[] flip, int parity)
    {
        var fixedPoints = 0L;
        for (var i = 0; i < flip.Length; i++)
        {
            if (flip[i] == i)
            {
                fixedPoints++;
            }
        }
        return parity > 0 ? (flip.LongLength + fixedPoints) / 2 : (flip.LongLength - fixedPoints) / 2;
    }

    /// <summary>Projects <paramref name="v"/> in place onto the vectors with c[flip[i]] = parity * c[i].</summary>
    private static void Project(double[] v, int[] flip, int parity)
    {
        for (var i = 0; i < flip.Length; i++)
        {
            var j = flip[i];
            if (j > i)
            {
                var mean = 0.5 * (v[i] + parity * v[j]);
                v[i] = mean;
                v[j] = parity * mean;
            }
            else if (j == i && parity < 0)
            {
                v[i] = 0.0;
            }
        }
    }

    /// <summary>Determinants of each irrep block (one entry, the whole sector, without ORBSYM or for string sets too
    /// large to count quickly).</summary>
    private static long[] BlockDimensions(Fcidump fcidump, DirectFullCiOptions options, int n, int na, int nb)
    {
        var stringsA = OccupationStrings.Binomial(n, na);
        var stringsB = OccupationStrings.Binomial(n, nb);
        if (fcidump.OrbitalSymmetries.Count != fcidump.OrbitalCount || stringsA > 2_000_000 || stringsB > 2_000_000)
        {
            return [stringsA * stringsB];
        }
        var core = options.FrozenCore > 0 ? fcidump.EnergyOrder().Take(options.FrozenCore).ToHashSet() : [];
        var symmetries = Enumerable.Range(0, fcidump.OrbitalCount).Where(p => !core.Contains(p))
            .Select(p => fcidump.OrbitalSymmetries[p] - 1).ToArray();
        var alpha = CountByIrrep(n, na, symmetries);
        var beta = nb == na ? alpha : CountByIrrep(n, nb, symmetries);
        var blocks = new long[8];
        for (var g = 0; g < 8; g++)
        {
            for (var ga = 0; ga < 8; ga++)
            {
                blocks[g] += alpha[ga] * beta[g ^ ga];
            }
        }
        return blocks;
    }

    private static long[] CountByIrrep(int n, int electrons, int[] symmetries)
    {
        var counts = new long[8];
        foreach (var s in OccupationStrings.Enumerate(n, electrons))
        {
            var irrep = 0;
            for (var rest = s; rest != 0; rest &= rest - 1)
            {
                irrep ^= symmetries[System.Numerics.BitOperations.TrailingZeroCount(rest)];
            }
            counts[irrep]++;
        }
        return counts;
    }

    private static int MaxSubspace(int tracked) => Math.Max(3 * tracked, tracked + 10);

    private static (int N, int Alpha, int Beta) Sector(Fcidump fcidump, DirectFullCiOptions options)
    {
        var frozen = options.FrozenCore;
        if (frozen < 0 || 2 * frozen > fcidump.ElectronCount || frozen >= fcidump.OrbitalCount)
        {
            throw new ArgumentException(
                $"frozen core {frozen} does not fit {fcidump.ElectronCount} electrons in {fcidump.OrbitalCount} orbitals", nameof(options));
        }
        var n = fcidump.OrbitalCount - frozen;
        var electrons = fcidump.ElectronCount - 2 * frozen;
        // Without a requested spin, the sector of smallest |M_s| holds every spin state.
        var ms2 = options.Spin is { } spin ? 2 * spin : electrons % 2;
        if (options.Spin is < 0 || ms2 > electrons || (electrons - ms2) % 2 != 0)
        {
            throw new ArgumentException($"spin {options.Spin} is impossible for {electrons} active electrons", nameof(options));
        }
        var alpha = (electrons + ms2) / 2;
        var beta = (electrons - ms2) / 2;
        if (alpha > n)
        {
            throw new ArgumentException($"{alpha} alpha electrons do not fit {n} active orbitals", nameof(options));
        }
        return (n, alpha, beta);
    }

    /// <summary>Guess vectors from the lowest diagonal determinants of <paramref name="block"/> (or the whole sector, with
    /// the sector's <paramref name="diagonal"/>), as sector indices: the first of every (irrep, spin-flip parity) sector in order of diagonal energy, then the next
    /// lowest until there are two per tracked pair; an open-shell determinant of M_s = 0 enters with its spin-flipped
    /// partner as the sum and the difference (even and odd S).</summary>
    private static List<(long Index, double Value)[]> Guesses(DirectCi ci, double[] diagonal, DirectCi.IrrepBlock? block,
        DirectFullCiOptions options, int tracked, int parity)
    {
        const int Candidates = 400;
        var dimension = diagonal.LongLength;
        // The lowest Candidates diagonal elements, ties by sector index (the same order for a block as for the whole
        // sector, as a block's positions follow the sector's order), without sorting the whole diagonal.
        var heap = new PriorityQueue<long, (double, long)>(Comparer<(double, long)>.Create((a, b) => b.CompareTo(a)));
        for (var i = 0L; i < dimension; i++)
        {
            if (heap.Count < Candidates)
            {
                heap.Enqueue(i, (diagonal[i], i));
            }
            else if (heap.TryPeek(out _, out var worst) && (diagonal[i], i).CompareTo(worst) < 0)
            {
                heap.EnqueueDequeue(i, (diagonal[i], i));
            }
        }
        var lowest = new List<long>(heap.Count);
        while (heap.Count > 0)
        {
            var position = heap.Dequeue();
            lowest.Add(block is null ? position : ci.SectorIndex(block, position));
        }
        lowest.Reverse();

        var flipPairs = ci.AlphaCount == ci.BetaCount;
        var nb = ci.BetaStringCount;
        var used = new HashSet<long>();
        var seen = new HashSet<(int, int)>();
        var guesses = new List<(long Index, double Value)[]>();
        var wanted = 2 * tracked;
        var maxSectors = tracked;
        foreach (var index in lowest)
        {
            if (!used.Add(index))
            {
                continue;
            }
            var (a, b) = Math.DivRem(index, nb);
            var irrep = ci.Irrep(index);
            if (!flipPairs || a == b)
            {
                // A closed-shell determinant is symmetric under spin flip.
                Add(index, -1, 1.0, (irrep, 1));
                continue;
            }
            var partner = b * nb + a;
            used.Add(partner);
            Add(index, partner, 1.0, (irrep, 1));
            if (options.Spin is not 0)
            {
                Add(index, partner, -1.0, (irrep, -1));
            }
        }
        return guesses;

        void Add(long index, long partner, double sign, (int, int) sector)
        {
            if (parity != 0 && sector.Item2 != parity)
            {
                return;
            }
            if (seen.Contains(sector) ? guesses.Count >= wanted : seen.Count >= maxSectors)
            {
                return;
            }
            seen.Add(sector);
            (long, double)[] v = partner < 0
                ? [(index, 1.0)]
                : [(index, Math.Sqrt(0.5)), (partner, sign * Math.Sqrt(0.5))];
            guesses.Add(v);
        }
    }
}
