using ILGPU;

namespace Dataflow.Kernels.Compute.Kernels;

/// <summary>Lennard-Jones energy per particle by an all-pairs loop: O(n) work per index, O(n^2) per launch.</summary>
/// <remarks>
/// Single precision throughout, for GPU throughput: each pair term carries a relative rounding error of a
/// few 1e-7 and the running sum adds up to n of them, so an energy per particle is good to roughly 1e-5
/// relative for a few thousand neighbours. Compare against double-precision references with that tolerance.
/// No periodic images: positions are taken as they are.
/// </remarks>
public static class LennardJonesKernel
{
    /// <summary>Writes particle <paramref name="index"/>'s share of the pair energy: half of each pair it is in.</summary>
    /// <param name="index">Particle whose energy is computed.</param>
    /// <param name="positionsNm">Positions of all particles, nm.</param>
    /// <param name="parameters">Well depth, contact distance and cutoff.</param>
    /// <param name="energyKjPerMol">Output, one element per particle, kJ/mol; the elements sum to the total energy.</param>
    public static void PerParticleEnergy(
        Index1D index,
        ArrayView<Float3> positionsNm,
        LennardJonesParameters parameters,
        ArrayView<float> energyKjPerMol)
    {
        var i = index.X;
        var ri = positionsNm[i];
        var count = positionsNm.IntLength;
        var sum = 0f;
        for (var j = 0; j < count; j++)
        {
            var rj = positionsNm[j];
            var dx = rj.X - ri.X;
            var dy = rj.Y - ri.Y;
            var dz = rj.Z - ri.Z;
            var r2 = dx * dx + dy * dy + dz * dz;
            if (j != i && r2 < parameters.CutoffSquaredNm2)
            {
                var s2 = parameters.SigmaSquaredNm2 / r2;
                var s6 = s2 * s2 * s2;
                sum += s6 * s6 - s6;
            }
        }
        // v(r) = 4 eps [(sigma/r)^12 - (sigma/r)^6] (Lennard-Jones, Proc. R. Soc. Lond. A 106, 463 (1924));
        // half of each pair goes to each partner, hence 2 eps.
        energyKjPerMol[i] = 2f * parameters.EpsilonKjPerMol * sum;
    }
}
