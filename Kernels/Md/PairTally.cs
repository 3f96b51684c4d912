using System.Runtime.CompilerServices;

namespace Dataflow.Kernels.Md;

/// <summary>One thread's running energy and virial of a pair loop, added to a <see cref="ForceResult"/> at the end.</summary>
internal struct PairTally
{
    public double Energy;
    public double Xx;
    public double Yy;
    public double Zz;
    public double Xy;
    public double Xz;
    public double Yz;

    /// <summary>Tallies the virial of pair (i, j): LAMMPS Pair::ev_tally, v = (dx dx, dy dy, dz dz, dx dy, dx dz, dy dz) *
    /// fpair, half to each atom's per-atom virial when <paramref name="vatom"/> is given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddPairVirial(double delx, double dely, double delz, double fpair, double[]? vatom, int i, int j)
    {
        var v0 = delx * delx * fpair;
        var v1 = dely * dely * fpair;
        var v2 = delz * delz * fpair;
        var v3 = delx * dely * fpair;
        var v4 = delx * delz * fpair;
        var v5 = dely * delz * fpair;
        Xx += v0;
        Yy += v1;
        Zz += v2;
        Xy += v3;
        Xz += v4;
        Yz += v5;
        if (vatom is not null)
        {
            AddHalf(vatom, 6 * i, v0, v1, v2, v3, v4, v5);
            AddHalf(vatom, 6 * j, v0, v1, v2, v3, v4, v5);
        }
    }

    public readonly void AddTo(ForceResult result)
    {
        result.Energy += Energy;
        result.Virial[0] += Xx;
        result.Virial[1] += Yy;
        result.Virial[2] += Zz;
        result.Virial[3] += Xy;
        result.Virial[4] += Xz;
        result.Virial[5] += Yz;
    }

    private static void AddHalf(double[] vatom, int at, double v0, double v1, double v2, double v3, double v4, double v5)
    {
        vatom[at] += 0.5 * v0;
        vatom[at + 1] += 0.5 * v1;
        vatom[at + 2] += 0.5 * v2;
        vatom[at + 3] += 0.5 * v3;
        vatom[at + 4] += 0.5 * v4;
        vatom[at + 5] += 0.5 * v5;
    }
}
