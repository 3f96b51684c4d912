using ILGPU;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The lj/cut domain loop as an ILGPU kernel, one index per owned atom, double precision: the same
/// arithmetic in the same order as <see cref="DomainLennardJonesCut"/>, so the same bits on the CPU.</summary>
/// <remarks>
/// Each index sums its row of the <see cref="DomainNeighborList"/> in key order and writes only its own output.
/// Inputs and outputs:
/// <list type="bullet">
/// <item><c>positionsAndTypes</c>: 4 per local atom, x y z (ghosts with their image shift) and the type counted
/// from 0, as a double.</item>
/// <item><c>neighbors</c>: the list packed as <see cref="NeighborList.ToPacked"/> packs one: OwnedCount + 1 row
/// starts (already offset by OwnedCount + 1), then the local indices of the rows.</item>
/// <item><c>pairTable</c>: <see cref="LennardJonesCutKernel.TableStride"/> doubles per type pair (ti * TypeCount +
/// tj): cutoff squared, lj1 to lj4 and the energy offset.</item>
/// <item><c>output</c>: <see cref="LennardJonesCutKernel.OutputStride"/> doubles per owned atom: force xyz, then
/// (when <see cref="DomainLennardJonesCutKernelParameters.Tally"/> is 1) its energy and six virial components, half
/// of each of its pairs.</item>
/// </list>
/// On a GPU the compiler may fuse a multiply and an add into one FMA, which rounds once: bits there can differ from
/// the CPU's in the last place, though every decomposition still agrees with every other on the same device.
/// </remarks>
public static class DomainLennardJonesCutKernel
{
    /// <summary>Computes owned atom <paramref name="index"/>'s force, and optionally its energy and virial.</summary>
    public static void Forces(
        Index1D index,
        ArrayView<double> positionsAndTypes,
        ArrayView<int> neighbors,
        ArrayView<double> pairTable,
        DomainLennardJonesCutKernelParameters parameters,
        ArrayView<double> output)
    {
        const int stride = LennardJonesCutKernel.TableStride;
        var i = index.X;
        if (i >= parameters.OwnedCount)
        {
            return;
        }
        var xtmp = positionsAndTypes[4 * i];
        var ytmp = positionsAndTypes[4 * i + 1];
        var ztmp = positionsAndTypes[4 * i + 2];
        var row = (int)positionsAndTypes[4 * i + 3] * parameters.TypeCount;
        var tally = parameters.Tally != 0;
        // One type: the coefficients are loop invariants, read once (on direct dispatch every view access costs a
        // call into ILGPU's buffer).
        var singleType = parameters.TypeCount == 1;
        var cutsq = pairTable[0];
        var lj1 = pairTable[1];
        var lj2 = pairTable[2];
        var lj3 = pairTable[3];
        var lj4 = pairTable[4];
        var offset = pairTable[5];
        double fx = 0, fy = 0, fz = 0, energy = 0;
        double vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        var last = neighbors[i + 1];
        for (var k = neighbors[i]; k < last; k++)
        {
            var j = neighbors[k];
            var delx = xtmp - positionsAndTypes[4 * j];
            var dely = ytmp - positionsAndTypes[4 * j + 1];
            var delz = ztmp - positionsAndTypes[4 * j + 2];
            var rsq = delx * delx + dely * dely + delz * delz;
            if (!singleType)
            {
                var c = (row + (int)positionsAndTypes[4 * j + 3]) * stride;
                cutsq = pairTable[c];
                lj1 = pairTable[c + 1];
                lj2 = pairTable[c + 2];
                lj3 = pairTable[c + 3];
                lj4 = pairTable[c + 4];
                offset = pairTable[c + 5];
            }
            if (rsq < cutsq)
            {
                // LAMMPS pair_lj_cut.cpp: F/r = r^-6 (lj1 r^-6 - lj2) / r^2, E = r^-6 (lj3 r^-6 - lj4) - offset.
                var r2inv = 1.0 / rsq;
                var r6inv = r2inv * r2inv * r2inv;
                var fpair = r6inv * (lj1 * r6inv - lj2) * r2inv;
                fx += delx * fpair;
                fy += dely * fpair;
                fz += delz * fpair;
                if (tally)
                {
                    // Half of the pair to this atom (LAMMPS ev_tally); the other half goes to the neighbour, which
                    // sees this atom (or its image) in its own row.
                    energy += 0.5 * (r6inv * (lj3 * r6inv - lj4) - offset);
                    vxx += 0.5 * (delx * delx * fpair);
                    vyy += 0.5 * (dely * dely * fpair);
                    vzz += 0.5 * (delz * delz * fpair);
                    vxy += 0.5 * (delx * dely * fpair);
                    vxz += 0.5 * (delx * delz * fpair);
                    vyz += 0.5 * (dely * delz * fpair);
                }
            }
        }
        var o = LennardJonesCutKernel.OutputStride * i;
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
