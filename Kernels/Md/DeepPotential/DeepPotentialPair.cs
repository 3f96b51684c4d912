namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>A Deep Potential as a force provider of <see cref="MdSimulation"/> (LAMMPS' <c>pair_style deepmd</c> on
/// one process): energy, forces and virial of the whole periodic box from the model.</summary>
/// <remarks>It builds its own padded neighbour rows (<see cref="DpNeighborList"/>, all pairs over the needed images:
/// O(N^2), meant for the small systems of the tests and the bench) from positions wrapped into the box, so it asks the
/// engine for no list. LAMMPS type k is the model's type <c>typeMap[k - 1]</c>.</remarks>
public sealed class DeepPotentialPair(DeepPotentialModel model, int[] typeMap) : IForceProvider, IDisposable
{
    /// <inheritdoc />
    public string Name => "deepmd";

    /// <inheritdoc />
    public NeighborRequest? Neighbors => null;

    /// <summary>The model.</summary>
    public DeepPotentialModel Model => model;

    /// <inheritdoc />
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        var box = state.Box;
        var lengths = new[] { box.LengthX, box.LengthY, box.LengthZ };
        var n = state.AtomCount;
        var positions = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < 3; d++)
            {
                var x = state.Positions[3 * i + d] - box.Lo(d);
                positions[3 * i + d] = x - lengths[d] * Math.Floor(x / lengths[d]);
            }
        }
        var types = new int[n];
        for (var i = 0; i < n; i++)
        {
            types[i] = typeMap[state.Types[i] - 1];
        }
        var e = model.Evaluate(new DpFrame(positions, [lengths[0], 0, 0, 0, lengths[1], 0, 0, 0, lengths[2]]), types);
        for (var c = 0; c < 3 * n; c++)
        {
            result.Forces[c] += e.Forces[c];
        }
        result.Energy += e.Energy;
        // LAMMPS' order xx, yy, zz, xy, xz, yz.
        result.Virial[0] += e.Virial[0];
        result.Virial[1] += e.Virial[4];
        result.Virial[2] += e.Virial[8];
        result.Virial[3] += e.Virial[1];
        result.Virial[4] += e.Virial[2];
        result.Virial[5] += e.Virial[5];
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
