using Dataflow.Kernels.Quantum;

namespace Dataflow.Tests.Kernels.Quantum;

/// <summary>Random real integrals with exact 8-fold permutational symmetry, for Hamiltonians with no physical
/// structure to hide sign errors behind (every symmetry-allowed element is nonzero).</summary>
internal static class RandomIntegrals
{
    public static MolecularHamiltonian Hamiltonian(int orbitalCount, int seed, double coreEnergyHartree = 0.75)
    {
        var n = orbitalCount;
        var random = new Random(seed);
        var h = new double[n * n];
        for (var p = 0; p < n; p++)
        {
            for (var q = 0; q <= p; q++)
            {
                var value = p == q ? -2.0 + random.NextDouble() : random.NextDouble() - 0.5;
                h[p * n + q] = value;
                h[q * n + p] = value;
            }
        }
        var eri = new double[n * n * n * n];
        for (var p = 0; p < n; p++)
        {
            for (var q = 0; q <= p; q++)
            {
                for (var r = 0; r < n; r++)
                {
                    for (var s = 0; s <= r; s++)
                    {
                        if (p * (p + 1) / 2 + q < r * (r + 1) / 2 + s)
                        {
                            continue;
                        }
                        var value = p == q && r == s ? 0.5 + 0.5 * random.NextDouble() : 0.2 * (random.NextDouble() - 0.5);
                        foreach (var (a, b, c, d) in new[]
                        {
                            (p, q, r, s), (q, p, r, s), (p, q, s, r), (q, p, s, r),
                            (r, s, p, q), (s, r, p, q), (r, s, q, p), (s, r, q, p),
                        })
                        {
                            eri[((a * n + b) * n + c) * n + d] = value;
                        }
                    }
                }
            }
        }
        return MolecularHamiltonian.FromIntegrals(n, coreEnergyHartree, h, eri);
    }
}
