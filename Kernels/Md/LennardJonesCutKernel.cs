using ILGPU;

namespace Dataflow.Kernels.Md;

/// <summary>The lj/cut pair loop as an ILGPU kernel: one index per atom over a full neighbour list, double
/// precision.</summary>
/// <remarks>
/// Each atom sums the forces its neighbours exert on it and writes only its own output, so no two indices write the
/// same memory and the result does not depend on how indices are spread over threads. Inputs and outputs:
/// <list type="bullet">
/// <item><c>positionsAndTypes</c>: 4 per atom, x y z and the atom type counted from 0 (as a double), the layout
/// GPU MD codes use to fetch an atom in one read.</item>
/// <item><c>neighbors</c>: a full list in <see cref="NeighborList.ToPacked"/> layout.</item>
/// <item><c>pairTable</c>: <see cref="TableStride"/> doubles per type pair (ti * TypeCount + tj): cutoff squared,
/// lj1 to lj4 and the energy offset, as <see cref="LennardJonesCut"/> resolves them.</item>
/// <item><c>output</c>: <see cref="OutputStride"/> doubles per atom: force xyz, then (when
/// <see cref="LennardJonesCutKernelParameters.Tally"/> is 1) the atom's energy and six virial components, half of
/// each of its pairs.</item>
/// </list>
/// </remarks>
public static class LennardJonesCutKernel
{
    /// <summary>Doubles per type pair in the pair table.</summary>
    public const int TableStride = 6;

    /// <summary>Doubles per atom in the output.</summary>
    public const int OutputStride = 10;

    /// <summary>Computes atom <paramref name="index"/>'s force, and optionally its energy and virial.</summary>
    public static void FullListForces(
        Index1D index,
        ArrayView<double> positionsAndTypes,
        ArrayView<int> neighbors,
        ArrayView<double> pairTable,
        LennardJonesCutKernelParameters parameters,
        ArrayView<double> output)
    {
        var i = index.X;
        if (i >= parameters.AtomCount)
        {
            return;
        }
        var xi = positionsAndTypes[4 * i];
        var yi = positionsAndTypes[4 * i + 1];
        var zi = positionsAndTypes[4 * i + 2];
        var row = (int)positionsAndTypes[4 * i + 3] * parameters.TypeCount;
        var tally = parameters.Tally != 0;
        // With one atom type the coefficients are loop invariants: read them once, not per neighbour (on direct
        // dispatch every view access costs a call into ILGPU's buffer).
        var singleType = parameters.TypeCount == 1;
        var cutsq = pairTable[0];
        var lj1 = pairTable[1];
        var lj2 = pairTable[2];
        var lj3 = pairTable[3];
        var lj4 = pairTable[4];
        var offset = pairTable[5];
        double fx = 0, fy = 0, fz = 0, energy = 0;
        double vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        var end = neighbors[i + 1];
        for (var k = neighbors[i]; k < end; k++)
        {
            var entry = neighbors[k];
            var j = entry >> 6;
            // The neighbour's periodic image, as a LAMMPS ghost atom: x_j + s L, s in {-1, 0, 1} (NeighborList).
            var delx = xi - (positionsAndTypes[4 * j] + (((entry & 3) - 1) * parameters.BoxX));
            var dely = yi - (positionsAndTypes[4 * j + 1] + ((((entry >> 2) & 3) - 1) * parameters.BoxY));
            var delz = zi - (positionsAndTypes[4 * j + 2] + ((((entry >> 4) & 3) - 1) * parameters.BoxZ));
            var rsq = delx * delx + dely * dely + delz * delz;
            if (!singleType)
            {
                var c = (row + (int)positionsAndTypes[4 * j + 3]) * TableStride;
                cutsq = pairTable[c];
                lj1 = pairTable[c + 1];
                lj2 = pairTable[c + 2];
                lj3 = pairTable[c + 3];
                lj4 = pairTable[c + 4];
                offset = pairTable[c + 5];
            }
            if (rsq < cutsq)
            {
                // LAMMPS pair_lj_cut.cpp: F/r = r^-6 (lj1 r^-6 - lj2) / r^2 with lj1 = 48 eps sigma^12,
                // lj2 = 24 eps sigma^6 (docs.lammps.org/pair_lj.html, E = 4 eps [(sigma/r)^12 - (sigma/r)^6]).
                var r2inv = 1.0 / rsq;
                var r6inv = r2inv * r2inv * r2inv;
                var fpair = r6inv * (lj1 * r6inv - lj2) * r2inv;
                fx += delx * fpair;
                fy += dely * fpair;
                fz += delz * fpair;
                if (tally)
                {
                    // Half of the pair to each atom (LAMMPS ev_tally); the full list visits the pair from both.
                    energy += 0.5 * (r6inv * (lj3 * r6inv - lj4) - offset);
                    var half = 0.5 * fpair;
                    vxx += half * delx * delx;
                    vyy += half * dely * dely;
                    vzz += half * delz * delz;
                    vxy += half * delx * dely;
                    vxz += half * delx * delz;
                    vyz += half * dely * delz;
                }
            }
        }
        var o = OutputStride * i;
        output[o] = fx;
        output[o + 1] = fy;
        output[o + 2] = fz;
        if (tally)
        {
            output[o + 3] = energy;
            output[o + 4] = vxx;
            output[o + 5] = vyy;
            output[o + 6] = vzz;
            output[o + 7] = vxy;
            output[o + 8] = vxz;
            output[o + 9] = vyz;
        }
    }
}
