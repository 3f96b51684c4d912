namespace Dataflow.Kernels.Md;

/// <summary>The image displacement s L of each of the 64 shift codes a neighbour entry can carry, for the last box
/// asked for (codes with a component 3 are never stored; their rows stay zero).</summary>
public sealed class ImageShiftTable
{
    private readonly double[] _shifts = new double[3 * 64];
    private OrthogonalBox? _box;

    /// <summary>Displacements for <paramref name="box"/>: x, y, z of code c at 3c, 3c+1, 3c+2; recomputed when the box changes.</summary>
    public double[] For(OrthogonalBox box)
    {
        if (_box != box)
        {
            for (var code = 0; code < 64; code++)
            {
                if ((code & 3) == 3 || ((code >> 2) & 3) == 3 || ((code >> 4) & 3) == 3)
                {
                    continue;
                }
                _shifts[3 * code] = NeighborList.ShiftOf(code, 0) * box.LengthX;
                _shifts[3 * code + 1] = NeighborList.ShiftOf(code, 1) * box.LengthY;
                _shifts[3 * code + 2] = NeighborList.ShiftOf(code, 2) * box.LengthZ;
            }
            _box = box;
        }
        return _shifts;
    }
}
