namespace Dataflow.Kernels.Md.Domains;

/// <summary>Ring load balancing (DPLR, arXiv 2504.15508): the boundary between two neighbouring domains of a
/// ring moves so that their measured costs even out, decided from what the two know only.</summary>
/// <remarks>
/// <para>Each domain measures its cost per step (CPU seconds of its force work) and bins its atoms along the
/// ring axis (<see cref="Histogram"/>). The lower domain of a pair takes both histograms, spreads each domain's
/// cost over its atoms, and puts the boundary where the cumulative cost of the pair is half its total. The move is
/// damped (<see cref="Damping"/>) because all boundaries move at once, and bounded to a third of either
/// domain's width, so no domain vanishes and every atom's new owner is its old domain or a ring neighbour. Costs
/// within <see cref="Tolerance"/> of each other leave the boundary alone.</para>
/// </remarks>
public static class RingBalancer
{
    /// <summary>Bins per domain histogram.</summary>
    public const int Bins = 64;

    /// <summary>Fraction of the way to the even split moved in one balancing round.</summary>
    public const double Damping = 0.6;

    /// <summary>Relative cost difference below which a boundary stays.</summary>
    public const double Tolerance = 0.03;

    /// <summary>Atom counts in <see cref="Bins"/> bins over [0, <paramref name="width"/>) of the offsets.</summary>
    public static double[] Histogram(ReadOnlySpan<double> offsets, double width)
    {
        var bins = new double[Bins];
        foreach (var u in offsets)
        {
            var b = (int)(u / width * Bins);
            bins[Math.Clamp(b, 0, Bins - 1)]++;
        }
        return bins;
    }

    /// <summary>The new position of the boundary between a lower domain and its upper ring neighbour.</summary>
    /// <param name="lowerStart">Lower cut of the lower domain.</param>
    /// <param name="lowerWidth">Width of the lower domain (the boundary is at lowerStart + lowerWidth).</param>
    /// <param name="lowerCost">Cost per step of the lower domain.</param>
    /// <param name="lowerHistogram">Its atoms binned over its width.</param>
    /// <param name="upperWidth">Width of the upper domain.</param>
    /// <param name="upperCost">Cost per step of the upper domain.</param>
    /// <param name="upperHistogram">Its atoms binned over its width.</param>
    public static double NewBoundary(double lowerStart, double lowerWidth, double lowerCost, double[] lowerHistogram,
        double upperWidth, double upperCost, double[] upperHistogram)
    {
        ArgumentNullException.ThrowIfNull(lowerHistogram);
        ArgumentNullException.ThrowIfNull(upperHistogram);
        var boundary = lowerStart + lowerWidth;
        var total = lowerCost + upperCost;
        if (!(total > 0) || Math.Abs(lowerCost - upperCost) <= Tolerance * total)
        {
            return boundary;
        }
        // Cost per bin: a domain's cost spread over its atoms (evenly over its bins when it has none).
        var bins = new double[2 * Bins];
        Spread(lowerHistogram, lowerCost, bins.AsSpan(0, Bins));
        Spread(upperHistogram, upperCost, bins.AsSpan(Bins, Bins));
        var half = total / 2;
        var cumulative = 0.0;
        var target = boundary;
        for (var b = 0; b < bins.Length; b++)
        {
            var (start, width) = b < Bins
                ? (lowerStart + lowerWidth * b / Bins, lowerWidth / Bins)
                : (boundary + upperWidth * (b - Bins) / Bins, upperWidth / Bins);
            if (cumulative + bins[b] >= half && bins[b] > 0)
            {
                target = start + width * (half - cumulative) / bins[b];
                break;
            }
            cumulative += bins[b];
        }
        var move = Damping * (target - boundary);
        move = Math.Clamp(move, -lowerWidth / 3, upperWidth / 3);
        return boundary + move;
    }

    /// <summary>Imbalance of a set of costs: the largest over the mean (1 when perfectly even).</summary>
    public static double Imbalance(IReadOnlyCollection<double> costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var mean = costs.Count == 0 ? 0 : costs.Average();
        return mean > 0 ? costs.Max() / mean : 1.0;
    }

    private static void Spread(double[] histogram, double cost, Span<double> bins)
    {
        var atoms = histogram.Sum();
        for (var b = 0; b < Bins; b++)
        {
            bins[b] = atoms > 0 ? cost * histogram[b] / atoms : cost / Bins;
        }
    }
}
