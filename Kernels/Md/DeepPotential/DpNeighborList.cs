namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>The padded, type-sorted neighbour rows of one frame: for atom i and row k, the neighbour's atom index and
/// the Cartesian shift of its periodic image, as deepmd-kit's <c>nlist</c> with <c>sel</c> slots per type.</summary>
/// <remarks>Rows of neighbour type t occupy slots [offset_t, offset_t + sel_t), nearest first; unused slots point at
/// atom i itself with <see cref="Mask"/> 0. Neighbours beyond sel_t are dropped, as deepmd-kit does, and counted in
/// <see cref="Overflow"/>. Images are searched over every lattice translation that can bring an atom within the
/// cutoff, so a box smaller than twice the cutoff is handled (an atom may see its own images).</remarks>
public sealed class DpNeighborList
{
    private DpNeighborList(int atoms, int rows, int[] index, double[] shift, byte[] mask, int overflow)
    {
        Atoms = atoms;
        Rows = rows;
        Index = index;
        Shift = shift;
        Mask = mask;
        Overflow = overflow;
    }

    /// <summary>Atoms of the frame.</summary>
    public int Atoms { get; }

    /// <summary>Rows per atom, the sum of sel.</summary>
    public int Rows { get; }

    /// <summary>Neighbour atom index, [atom, row].</summary>
    public int[] Index { get; }

    /// <summary>Image shift in Angstrom added to the neighbour's position, [atom, row, 3].</summary>
    public double[] Shift { get; }

    /// <summary>1 for a real neighbour, 0 for padding, [atom, row].</summary>
    public byte[] Mask { get; }

    /// <summary>Neighbours dropped because a type had more than its sel.</summary>
    public int Overflow { get; }

    /// <summary>Largest number of neighbours of each type seen by any atom (to choose sel).</summary>
    public static int[] MaxCounts(ReadOnlySpan<double> positions, ReadOnlySpan<int> types, double[]? box, double cutoff, int typeCount)
    {
        var max = new int[typeCount];
        var n = types.Length;
        var counts = new int[typeCount];
        var pos = positions.ToArray();
        var typeArray = types.ToArray();
        var images = Images(box, cutoff);
        for (var i = 0; i < n; i++)
        {
            Array.Clear(counts);
            Visit(pos, n, images, cutoff, i, (j, _, _) => counts[typeArray[j]]++);
            for (var t = 0; t < typeCount; t++)
            {
                max[t] = Math.Max(max[t], counts[t]);
            }
        }
        return max;
    }

    /// <summary>Builds the rows of a frame.</summary>
    /// <param name="positions">Cartesian positions in Angstrom, [atom, 3].</param>
    /// <param name="types">Type index of each atom, 0-based.</param>
    /// <param name="box">Box vectors as rows (deepmd-kit's box.npy layout, 9 numbers), or null for no periodicity.</param>
    /// <param name="cutoff">rcut in Angstrom.</param>
    /// <param name="sel">Slots per neighbour type.</param>
    public static DpNeighborList Build(ReadOnlySpan<double> positions, ReadOnlySpan<int> types, double[]? box, double cutoff, int[] sel)
    {
        var n = types.Length;
        if (positions.Length != 3 * n)
        {
            throw new ArgumentException($"positions hold {positions.Length} numbers for {n} atoms", nameof(positions));
        }
        var rows = sel.Sum();
        var offsets = new int[sel.Length];
        for (var t = 1; t < sel.Length; t++)
        {
            offsets[t] = offsets[t - 1] + sel[t - 1];
        }
        var index = new int[n * rows];
        var shift = new double[n * rows * 3];
        var mask = new byte[n * rows];
        var overflow = 0;
        var pos = positions.ToArray();
        var typeArray = types.ToArray();
        var images = Images(box, cutoff);
        var found = new List<(int Type, double R2, int J, int Image)>();
        for (var i = 0; i < n; i++)
        {
            found.Clear();
            Visit(pos, n, images, cutoff, i, (j, image, r2) => found.Add((typeArray[j], r2, j, image)));
            // Type, then distance, then atom and image: a total order, so equal distances cannot reorder rows.
            found.Sort((a, b) => a.Type != b.Type ? a.Type.CompareTo(b.Type)
                : a.R2 != b.R2 ? a.R2.CompareTo(b.R2)
                : a.J != b.J ? a.J.CompareTo(b.J) : a.Image.CompareTo(b.Image));
            var used = new int[sel.Length];
            for (var k = 0; k < rows; k++)
            {
                index[i * rows + k] = i;
            }
            foreach (var (type, _, j, image) in found)
            {
                if (used[type] == sel[type])
                {
                    overflow++;
                    continue;
                }
                var slot = i * rows + offsets[type] + used[type]++;
                index[slot] = j;
                mask[slot] = 1;
                for (var d = 0; d < 3; d++)
                {
                    shift[3 * slot + d] = images[3 * image + d];
                }
            }
        }
        return new DpNeighborList(n, rows, index, shift, mask, overflow);
    }

    // Lattice translations n_a a + n_b b + n_c c with |n_k| <= ceil(rcut / h_k), h_k the box height across face k.
    private static double[] Images(double[]? box, double cutoff)
    {
        if (box is null)
        {
            return [0, 0, 0];
        }
        if (box.Length != 9)
        {
            throw new ArgumentException($"a box has 9 numbers (got {box.Length})", nameof(box));
        }
        var volume = Math.Abs(Det(box));
        if (!(volume > 0))
        {
            throw new ArgumentException("the box has zero volume", nameof(box));
        }
        var reach = new int[3];
        for (var k = 0; k < 3; k++)
        {
            var (p, q) = ((k + 1) % 3, (k + 2) % 3);
            var cx = box[3 * p + 1] * box[3 * q + 2] - box[3 * p + 2] * box[3 * q + 1];
            var cy = box[3 * p + 2] * box[3 * q] - box[3 * p] * box[3 * q + 2];
            var cz = box[3 * p] * box[3 * q + 1] - box[3 * p + 1] * box[3 * q];
            var height = volume / Math.Sqrt(cx * cx + cy * cy + cz * cz);
            reach[k] = (int)Math.Ceiling(cutoff / height);
        }
        var list = new List<double>();
        // Image 0 (no shift) first, then the others in a fixed order.
        list.AddRange([0, 0, 0]);
        for (var a = -reach[0]; a <= reach[0]; a++)
        {
            for (var b = -reach[1]; b <= reach[1]; b++)
            {
                for (var c = -reach[2]; c <= reach[2]; c++)
                {
                    if (a == 0 && b == 0 && c == 0)
                    {
                        continue;
                    }
                    for (var d = 0; d < 3; d++)
                    {
                        list.Add(a * box[d] + b * box[3 + d] + c * box[6 + d]);
                    }
                }
            }
        }
        return list.ToArray();
    }

    private static double Det(double[] m) =>
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);

    private static void Visit(double[] pos, int n, double[] images, double cutoff, int i, Action<int, int, double> found)
    {
        var c2 = cutoff * cutoff;
        for (var image = 0; image < images.Length / 3; image++)
        {
            for (var j = 0; j < n; j++)
            {
                if (image == 0 && j == i)
                {
                    continue;
                }
                var dx = pos[3 * j] + images[3 * image] - pos[3 * i];
                var dy = pos[3 * j + 1] + images[3 * image + 1] - pos[3 * i + 1];
                var dz = pos[3 * j + 2] + images[3 * image + 2] - pos[3 * i + 2];
                var r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < c2)
                {
                    found(j, image, r2);
                }
            }
        }
    }
}
