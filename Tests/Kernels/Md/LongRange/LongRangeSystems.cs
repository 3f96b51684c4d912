using Dataflow.Kernels.Md.LongRange;

namespace Dataflow.Tests.Kernels.Md.LongRange;

/// <summary>Charge configurations and error measures the long-range specs share.</summary>
internal static class LongRangeSystems
{
    /// <summary>Madelung constant of rock salt referred to the nearest-neighbour distance.</summary>
    /// <remarks>1.747564594633182190636... (Borwein, Glasser, McPhedran, Wan &amp; Zucker, Lattice Sums Then and Now, CUP 2013,
    /// ch. 1; Kittel, Introduction to Solid State Physics, ch. 3).</remarks>
    public const double NaClMadelung = 1.747564594633;

    /// <summary>LAMMPS <c>force->qqr2e</c> in <c>units real</c> (kcal/mol Å / e^2).</summary>
    public const double Qqr2eReal = 332.06371;

    /// <summary>200 alternating unit charges at random in a 12 Å cube, real units (seed 7).</summary>
    public static CoulombSystem Random200 { get; } =
        RandomCharges(200, OrthogonalBox.Cube(12), seed: 7, qqr2e: Qqr2eReal);

    private static readonly Lazy<CoulombResult> ReferenceResult = new(() =>
        EwaldSummation.ForAccuracy(Random200, 1e-12, 5.95).Compute(Random200));

    /// <summary>Ewald sum of <see cref="Random200"/> at relative accuracy 1e-12 (estimated RMS force error
    /// 3e-10 kcal/mol/Å), computed once: the reference the approximate solvers are measured against.</summary>
    public static CoulombResult Random200Reference => ReferenceResult.Value;

    /// <summary>Rock salt with nearest-neighbour distance 1: the 8-ion conventional cubic cell (edge 2)
    /// replicated <paramref name="cells"/> times along each axis, charges +-<paramref name="charge"/>.</summary>
    public static CoulombSystem RockSalt(int cells, double charge = 1.0, double qqr2e = 1.0)
    {
        var side = 2 * cells;
        var positions = new List<double>();
        var charges = new List<double>();
        for (var a = 0; a < side; a++)
        {
            for (var b = 0; b < side; b++)
            {
                for (var c = 0; c < side; c++)
                {
                    positions.AddRange([a, b, c]);
                    charges.Add((a + b + c) % 2 == 0 ? charge : -charge);
                }
            }
        }
        return new CoulombSystem([.. positions], [.. charges], OrthogonalBox.Cube(side), qqr2e);
    }

    /// <summary>Uniformly random positions in a box, alternating charges +-1 (neutral for even counts).</summary>
    public static CoulombSystem RandomCharges(
        int count, OrthogonalBox box, int seed, double qqr2e = 1.0, double extraCharge = 0.0)
    {
        var random = new Random(seed);
        var positions = new double[3 * count];
        for (var i = 0; i < count; i++)
        {
            positions[3 * i] = random.NextDouble() * box.Lx;
            positions[(3 * i) + 1] = random.NextDouble() * box.Ly;
            positions[(3 * i) + 2] = random.NextDouble() * box.Lz;
        }
        var charges = new double[count];
        for (var i = 0; i < count; i++)
        {
            charges[i] = i % 2 == 0 ? 1.0 : -1.0;
        }
        charges[0] += extraCharge;
        return new CoulombSystem(positions, charges, box, qqr2e);
    }

    /// <summary>The same system with one coordinate moved by <paramref name="delta"/>.</summary>
    public static CoulombSystem Displaced(CoulombSystem system, int atom, int axis, double delta)
    {
        var positions = (double[])system.Positions.Clone();
        positions[(3 * atom) + axis] += delta;
        return system with { Positions = positions };
    }

    /// <summary>The same system with every atom moved by (dx, dy, dz).</summary>
    public static CoulombSystem Translated(CoulombSystem system, double dx, double dy, double dz)
    {
        var positions = (double[])system.Positions.Clone();
        for (var i = 0; i < system.Count; i++)
        {
            positions[3 * i] += dx;
            positions[(3 * i) + 1] += dy;
            positions[(3 * i) + 2] += dz;
        }
        return system with { Positions = positions };
    }

    /// <summary>sqrt((1/N) sum_i |F_i - G_i|^2): LAMMPS's RMS force error.</summary>
    public static double RmsForceDifference(double[] forces, double[] reference)
    {
        var sum = 0.0;
        for (var i = 0; i < forces.Length; i++)
        {
            var d = forces[i] - reference[i];
            sum += d * d;
        }
        return Math.Sqrt(sum / (forces.Length / 3));
    }

    /// <summary>sqrt((1/N) sum_i |F_i|^2).</summary>
    public static double RmsForce(double[] forces) => RmsForceDifference(forces, new double[forces.Length]);

    /// <summary>Smallest |r_ij - cutoff| over minimum-image pairs: how far every pair is from crossing it.</summary>
    public static double ClosestPairToCutoff(CoulombSystem system, double cutoff)
    {
        var closest = double.MaxValue;
        var box = system.Box;
        var x = system.Positions;
        for (var i = 0; i < system.Count; i++)
        {
            for (var j = i + 1; j < system.Count; j++)
            {
                var dx = MinimumImage(x[3 * i] - x[3 * j], box.Lx);
                var dy = MinimumImage(x[(3 * i) + 1] - x[(3 * j) + 1], box.Ly);
                var dz = MinimumImage(x[(3 * i) + 2] - x[(3 * j) + 2], box.Lz);
                closest = Math.Min(closest, Math.Abs(Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz)) - cutoff));
            }
        }
        return closest;
    }

    private static double MinimumImage(double d, double length) => d - (length * Math.Round(d / length));
}
