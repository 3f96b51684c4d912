using static TorchSharp.torch;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>Frames of one system (same atoms and types) as the tensors <see cref="DeepPotentialModel.Forward"/> reads.</summary>
public sealed class DpBatch : IDisposable
{
    private DpBatch(int frames, int atoms, Tensor coordinates, Tensor index, Tensor shift, Tensor average, Tensor deviation, Tensor?[] atomsOfType)
    {
        Frames = frames;
        Atoms = atoms;
        Coordinates = coordinates;
        Index = index;
        Shift = shift;
        Average = average;
        Deviation = deviation;
        AtomsOfType = atomsOfType;
    }

    /// <summary>B.</summary>
    public int Frames { get; }

    /// <summary>N.</summary>
    public int Atoms { get; }

    /// <summary>Positions [B, N, 3].</summary>
    public Tensor Coordinates { get; }

    /// <summary>Neighbour of each slot as an index into the B*N flattened atoms, [B*N*Nc].</summary>
    public Tensor Index { get; }

    /// <summary>Image shift of each slot [B, N, Nc, 3]; padding slots are shifted to (2 rcut, 0, 0), where s(r) and
    /// its derivatives vanish, so they contribute the normalised row of a neighbour at the cutoff, as in deepmd-kit.</summary>
    public Tensor Shift { get; }

    /// <summary>avg of each atom's centre type, [1, N, 1, 4].</summary>
    public Tensor Average { get; }

    /// <summary>std of each atom's centre type, [1, N, 1, 4].</summary>
    public Tensor Deviation { get; }

    /// <summary>Indices of the atoms of each type, null where the system has none.</summary>
    public Tensor?[] AtomsOfType { get; }

    /// <summary>A batch of <paramref name="frames"/>, building their neighbour lists.</summary>
    public static DpBatch Create(DeepPotentialModel model, IReadOnlyList<DpFrame> frames, int[] types) =>
        Create(model, frames, types, frames.Select(f => DpNeighborList.Build(f.Positions, types, f.Box, model.Settings.CutoffAngstrom, model.Settings.Sel)).ToArray());

    /// <summary>A batch of <paramref name="frames"/> with their neighbour lists already built.</summary>
    public static DpBatch Create(DeepPotentialModel model, IReadOnlyList<DpFrame> frames, int[] types, IReadOnlyList<DpNeighborList> lists)
    {
        var s = model.Settings;
        var (b, n, k) = (frames.Count, types.Length, s.NeighborRows);
        var coords = new double[b * n * 3];
        var index = new long[b * n * k];
        var shift = new double[b * n * k * 3];
        for (var f = 0; f < b; f++)
        {
            frames[f].Positions.CopyTo(coords, f * n * 3);
            var list = lists[f];
            for (var slot = 0; slot < n * k; slot++)
            {
                var at = f * n * k + slot;
                index[at] = (long)f * n + list.Index[slot];
                if (list.Mask[slot] == 0)
                {
                    shift[3 * at] = 2 * s.CutoffAngstrom;
                }
                else
                {
                    shift[3 * at] = list.Shift[3 * slot];
                    shift[3 * at + 1] = list.Shift[3 * slot + 1];
                    shift[3 * at + 2] = list.Shift[3 * slot + 2];
                }
            }
        }
        var avg = new double[n * 4];
        var std = new double[n * 4];
        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < 4; c++)
            {
                avg[4 * i + c] = model.Stats.Average[4 * types[i] + c];
                std[4 * i + c] = model.Stats.Deviation[4 * types[i] + c];
            }
        }
        var byType = new Tensor?[s.TypeCount];
        for (var t = 0; t < s.TypeCount; t++)
        {
            var atoms = Enumerable.Range(0, n).Where(i => types[i] == t).Select(i => (long)i).ToArray();
            byType[t] = atoms.Length == 0 ? null : tensor(atoms, ScalarType.Int64).DetachFromDisposeScope();
        }
        var dtype = model.DType;
        return new DpBatch(b, n,
            tensor(coords, [b, n, 3], ScalarType.Float64).to(dtype).DetachFromDisposeScope(),
            tensor(index, ScalarType.Int64).DetachFromDisposeScope(),
            tensor(shift, [b, n, k, 3], ScalarType.Float64).to(dtype).DetachFromDisposeScope(),
            tensor(avg, [1, n, 1, 4], ScalarType.Float64).to(dtype).DetachFromDisposeScope(),
            tensor(std, [1, n, 1, 4], ScalarType.Float64).to(dtype).DetachFromDisposeScope(),
            byType);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Coordinates.Dispose();
        Index.Dispose();
        Shift.Dispose();
        Average.Dispose();
        Deviation.Dispose();
        foreach (var t in AtomsOfType)
        {
            t?.Dispose();
        }
    }
}
