namespace Dataflow.Kernels.Md.Analysis;

/// <summary>LAMMPS' <c>compute rdf Nbin itypeN jtypeN ...</c>: the radial distribution function g(r) and the
/// coordination number of each pair of atom types, out to a cutoff, for one snapshot.</summary>
/// <remarks>
/// As LAMMPS' src/compute_rdf.cpp (3-d, types given one by one): a histogram over every ordered pair (i, j) within the
/// cutoff, nearest image, bin <c>(int)(r / delr)</c> with <c>delr = cutoff / Nbin</c>, the bin's coordinate its
/// middle; pairs that <c>special_bonds</c> excludes from both LJ and Coulomb (weight 0) are skipped, as they are when
/// LAMMPS finds them in its neighbour list. Normalisation per bin: vfrac = 4 pi (r_hi^3 - r_lo^3) / (3 V),
/// normfac = n_j - duplicates / n_i (duplicates: atoms of both types), g = count / (vfrac normfac n_i), and the
/// coordination number the running sum of g vfrac normfac. The cutoff must be below half the shortest box edge, so
/// that each pair counts once.
/// </remarks>
public static class RadialDistribution
{
    /// <summary>One row per bin: r, then g and the coordination number of each type pair in
    /// <paramref name="pairs"/> (LAMMPS' <c>c_ID[*]</c> columns).</summary>
    /// <param name="state">Positions, types and box.</param>
    /// <param name="cutoff">Largest distance (LAMMPS: the pair style's largest cutoff unless given).</param>
    /// <param name="bins">Number of bins.</param>
    /// <param name="pairs">Type pairs (I, J), 1-based.</param>
    /// <param name="excluded">Atom-id pairs to skip (lower id first), e.g. special pairs of weight 0; or null.</param>
    /// <exception cref="ArgumentException">A bad bin count, type or cutoff.</exception>
    public static double[][] Compute(MdState state, double cutoff, int bins, IReadOnlyList<(int I, int J)> pairs,
        ISet<(int, int)>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(pairs);
        var box = state.Box;
        if (bins < 1)
        {
            throw new ArgumentException($"compute rdf needs at least one bin (got {bins})", nameof(bins));
        }
        if (!(cutoff > 0) || 2 * cutoff >= Math.Min(box.LengthX, Math.Min(box.LengthY, box.LengthZ)))
        {
            throw new ArgumentException($"compute rdf cutoff {cutoff} must be > 0 and below half the shortest box edge", nameof(cutoff));
        }
        if (pairs.Count == 0 || pairs.Any(p => p.I < 1 || p.J < 1 || p.I > state.TypeCount || p.J > state.TypeCount))
        {
            throw new ArgumentException($"compute rdf type pairs must be within 1..{state.TypeCount}", nameof(pairs));
        }
        var n = state.AtomCount;
        var types = state.Types;
        var ids = state.Ids;
        var x = state.Positions;
        var delr = cutoff / bins;
        var delrinv = 1.0 / delr;
        var histogram = new double[pairs.Count, bins];
        // Which histograms a (type i, type j) pair feeds (compute_rdf.cpp's rdfpair/nrdfpair).
        var feeds = new List<int>[state.TypeCount + 1, state.TypeCount + 1];
        for (var m = 0; m < pairs.Count; m++)
        {
            (feeds[pairs[m].I, pairs[m].J] ??= []).Add(m);
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (i == j || feeds[types[i], types[j]] is not { } targets)
                {
                    continue;
                }
                if (excluded is not null && excluded.Contains(ids[i] < ids[j] ? (ids[i], ids[j]) : (ids[j], ids[i])))
                {
                    continue;
                }
                var dx = Fold(x[3 * i] - x[3 * j], box.LengthX);
                var dy = Fold(x[3 * i + 1] - x[3 * j + 1], box.LengthY);
                var dz = Fold(x[3 * i + 2] - x[3 * j + 2], box.LengthZ);
                var bin = (int)(Math.Sqrt(dx * dx + dy * dy + dz * dz) * delrinv);
                if (bin >= bins)
                {
                    continue;
                }
                foreach (var m in targets)
                {
                    histogram[m, bin] += 1.0;
                }
            }
        }

        var rows = new double[bins][];
        for (var b = 0; b < bins; b++)
        {
            rows[b] = new double[1 + 2 * pairs.Count];
            rows[b][0] = (b + 0.5) * delr;
        }
        var constant = 4.0 * Math.PI / (3.0 * box.LengthX * box.LengthY * box.LengthZ);
        for (var m = 0; m < pairs.Count; m++)
        {
            var (ti, tj) = pairs[m];
            double icount = types.Count(t => t == ti);
            double jcount = types.Count(t => t == tj);
            double duplicates = ti == tj ? icount : 0;
            var normfac = icount > 0 ? jcount - duplicates / icount : 0.0;
            var ncoord = 0.0;
            for (var b = 0; b < bins; b++)
            {
                var rlower = b * delr;
                var rupper = (b + 1) * delr;
                var vfrac = constant * (rupper * rupper * rupper - rlower * rlower * rlower);
                var gr = vfrac * normfac != 0.0 ? histogram[m, b] / (vfrac * normfac * icount) : 0.0;
                if (icount != 0)
                {
                    ncoord += gr * vfrac * normfac;
                }
                rows[b][1 + 2 * m] = gr;
                rows[b][2 + 2 * m] = ncoord;
            }
        }
        return rows;
    }

    private static double Fold(double d, double length)
    {
        var half = 0.5 * length;
        if (Math.Abs(d) > half)
        {
            d = d < 0.0 ? d + length : d - length;
        }
        return d;
    }
}
