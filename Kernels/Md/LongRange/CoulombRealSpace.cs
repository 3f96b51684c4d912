namespace Dataflow.Kernels.Md.LongRange;

/// <summary>The short-range, real-space part of an Ewald-split Coulomb interaction (LAMMPS <c>coul/long</c>).</summary>
/// <remarks>
/// <see cref="PairEnergyForce"/> is what an MD engine calls inside its own pair loop; <see cref="Compute"/> is a
/// direct O(N^2) reference over all pairs (and periodic images where the cutoff exceeds half a box edge), used by
/// <see cref="EwaldSummation"/> and <see cref="Pppm"/> to return complete Coulomb energies.
/// </remarks>
public static class CoulombRealSpace
{
    /// <summary>Energy and force of one pair at distance <paramref name="r"/>, with no cutoff test.</summary>
    /// <param name="r">Pair distance, > 0.</param>
    /// <param name="qi">Charge of atom i.</param>
    /// <param name="qj">Charge of atom j.</param>
    /// <param name="gEwald">Ewald splitting parameter g, in inverse distance units.</param>
    /// <param name="qqr2e">Coulomb prefactor of the unit system; 1 returns q_i q_j erfc(g r) / r itself.</param>
    public static CoulombPairTerm PairEnergyForce(double r, double qi, double qj, double gEwald, double qqr2e = 1.0)
    {
        // E = qqr2e qi qj erfc(g r) / r;  -dE/dr = qqr2e qi qj [erfc(g r) + 2 g r / sqrt(pi) exp(-g^2 r^2)] / r^2
        // (the real-space Ewald term, Frenkel & Smit, Understanding Molecular Simulation, 2nd ed., sec. 12.1;
        // LAMMPS pair_coul_long.cpp).
        var prefactor = qqr2e * qi * qj / r;
        var gr = gEwald * r;
        var erfc = ComplementaryErrorFunction.EvaluateWithGaussian(gr, out var gaussian);
        var energy = prefactor * erfc;
        var forceOverR = prefactor * (erfc + (ComplementaryErrorFunction.TwoOverSqrtPi * gr * gaussian)) / (r * r);
        return new CoulombPairTerm(energy, forceOverR);
    }

    /// <summary>Real-space energy, forces and virial of every pair closer than <paramref name="cutoff"/>.</summary>
    /// <remarks>Pairs at exactly the cutoff are left out, as in LAMMPS (<c>rsq &lt; cut_coulsq</c>). With
    /// <paramref name="cutoff"/> at most half of every box edge the minimum image is used; otherwise all images
    /// within the cutoff are summed, including an atom's interaction with its own images.</remarks>
    /// <param name="system">Charges and box.</param>
    /// <param name="gEwald">Ewald splitting parameter.</param>
    /// <param name="cutoff">Real-space cutoff, in distance units.</param>
    public static CoulombResult Compute(CoulombSystem system, double gEwald, double cutoff)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Validate();
        if (!(cutoff > 0) || !(gEwald > 0))
        {
            throw new ArgumentException($"cutoff and g_ewald must be positive, got {cutoff} and {gEwald}");
        }
        var box = system.Box;
        var halfEdge = 0.5 * Math.Min(box.Lx, Math.Min(box.Ly, box.Lz));
        return cutoff <= halfEdge ? MinimumImage(system, gEwald, cutoff) : AllImages(system, gEwald, cutoff);
    }

    private static CoulombResult MinimumImage(CoulombSystem system, double gEwald, double cutoff)
    {
        var n = system.Count;
        var x = system.Positions;
        var q = system.Charges;
        var box = system.Box;
        var result = CoulombResult.Zero(n);
        var f = result.Forces;
        var e = result.PerAtomEnergy;
        var v = result.Virial;
        var cutoffSquared = cutoff * cutoff;
        var energy = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (q[i] == 0)
            {
                continue;
            }
            for (var j = i + 1; j < n; j++)
            {
                if (q[j] == 0)
                {
                    continue;
                }
                var dx = MinimumImage(x[3 * i] - x[3 * j], box.Lx);
                var dy = MinimumImage(x[(3 * i) + 1] - x[(3 * j) + 1], box.Ly);
                var dz = MinimumImage(x[(3 * i) + 2] - x[(3 * j) + 2], box.Lz);
                var rSquared = (dx * dx) + (dy * dy) + (dz * dz);
                if (rSquared >= cutoffSquared)
                {
                    continue;
                }
                var term = PairEnergyForce(Math.Sqrt(rSquared), q[i], q[j], gEwald, system.Qqr2e);
                Accumulate(f, v, i, j, dx, dy, dz, term.ForceOverR);
                energy += term.Energy;
                e[i] += 0.5 * term.Energy;
                e[j] += 0.5 * term.Energy;
            }
        }
        return result with { Energy = energy };
    }

    private static CoulombResult AllImages(CoulombSystem system, double gEwald, double cutoff)
    {
        var n = system.Count;
        var x = system.Positions;
        var q = system.Charges;
        var box = system.Box;
        var result = CoulombResult.Zero(n);
        var f = result.Forces;
        var e = result.PerAtomEnergy;
        var v = result.Virial;
        var cutoffSquared = cutoff * cutoff;
        var nx = (int)Math.Ceiling(cutoff / box.Lx) + 1;
        var ny = (int)Math.Ceiling(cutoff / box.Ly) + 1;
        var nz = (int)Math.Ceiling(cutoff / box.Lz) + 1;
        var energy = 0.0;
        // Every ordered pair (i, j + image) once; each carries half the pair energy and virial, the full force on i.
        for (var i = 0; i < n; i++)
        {
            if (q[i] == 0)
            {
                continue;
            }
            for (var j = 0; j < n; j++)
            {
                if (q[j] == 0)
                {
                    continue;
                }
                var dx0 = MinimumImage(x[3 * i] - x[3 * j], box.Lx);
                var dy0 = MinimumImage(x[(3 * i) + 1] - x[(3 * j) + 1], box.Ly);
                var dz0 = MinimumImage(x[(3 * i) + 2] - x[(3 * j) + 2], box.Lz);
                for (var a = -nx; a <= nx; a++)
                {
                    var dx = dx0 + (a * box.Lx);
                    for (var b = -ny; b <= ny; b++)
                    {
                        var dy = dy0 + (b * box.Ly);
                        for (var c = -nz; c <= nz; c++)
                        {
                            var dz = dz0 + (c * box.Lz);
                            var rSquared = (dx * dx) + (dy * dy) + (dz * dz);
                            if (rSquared >= cutoffSquared || rSquared == 0.0)
                            {
                                continue;
                            }
                            var term = PairEnergyForce(Math.Sqrt(rSquared), q[i], q[j], gEwald, system.Qqr2e);
                            f[3 * i] += term.ForceOverR * dx;
                            f[(3 * i) + 1] += term.ForceOverR * dy;
                            f[(3 * i) + 2] += term.ForceOverR * dz;
                            AddVirial(v, dx, dy, dz, 0.5 * term.ForceOverR);
                            energy += 0.5 * term.Energy;
                            e[i] += 0.5 * term.Energy;
                        }
                    }
                }
            }
        }
        return result with { Energy = energy };
    }

    private static double MinimumImage(double d, double length) => d - (length * Math.Round(d / length));

    private static void Accumulate(
        double[] f, double[] v, int i, int j, double dx, double dy, double dz, double forceOverR)
    {
        f[3 * i] += forceOverR * dx;
        f[(3 * i) + 1] += forceOverR * dy;
        f[(3 * i) + 2] += forceOverR * dz;
        f[3 * j] -= forceOverR * dx;
        f[(3 * j) + 1] -= forceOverR * dy;
        f[(3 * j) + 2] -= forceOverR * dz;
        AddVirial(v, dx, dy, dz, forceOverR);
    }

    private static void AddVirial(double[] v, double dx, double dy, double dz, double forceOverR)
    {
        v[0] += dx * dx * forceOverR;
        v[1] += dy * dy * forceOverR;
        v[2] += dz * dz * forceOverR;
        v[3] += dx * dy * forceOverR;
        v[4] += dx * dz * forceOverR;
        v[5] += dy * dz * forceOverR;
    }
}
