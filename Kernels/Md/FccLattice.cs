using Dataflow.Kernels.Train;

namespace Dataflow.Kernels.Md;

/// <summary>Atoms on an fcc lattice, as LAMMPS' <c>lattice fcc RHO</c> + <c>create_atoms</c> place them in reduced
/// units, with Gaussian velocities scaled to a temperature and zero total momentum (<c>velocity create</c>).</summary>
public static class FccLattice
{
    /// <summary>A block of <paramref name="cellsX"/> x <paramref name="cellsY"/> x <paramref name="cellsZ"/> fcc
    /// cells at number density <paramref name="density"/>, in a periodic box that is <paramref name="boxCellsX"/> cells
    /// long along x (a slab in vacuum when longer than the block), lj units, one atom type of mass 1.</summary>
    /// <param name="cellsX">Cells of atoms along x.</param>
    /// <param name="cellsY">Cells along y (and the box).</param>
    /// <param name="cellsZ">Cells along z (and the box).</param>
    /// <param name="density">Atoms per unit volume (LAMMPS' <c>lattice fcc 0.8442</c>).</param>
    /// <param name="boxCellsX">Box length along x in cells; at least <paramref name="cellsX"/>.</param>
    /// <param name="temperature">Initial temperature, reduced units.</param>
    /// <param name="seed">Seed of the counter-based velocity stream.</param>
    public static MdSystem Create(int cellsX, int cellsY, int cellsZ, double density, double boxCellsX, double temperature, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cellsX, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellsY, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellsZ, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(boxCellsX, cellsX);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(density);
        // Four atoms per cubic cell: a^3 = 4 / rho.
        var a = Math.Cbrt(4.0 / density);
        double[][] basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
        var n = 4 * cellsX * cellsY * cellsZ;
        var positions = new double[3 * n];
        var velocities = new double[3 * n];
        var k = 0;
        for (var i = 0; i < cellsX; i++)
        {
            for (var j = 0; j < cellsY; j++)
            {
                for (var l = 0; l < cellsZ; l++)
                {
                    foreach (var b in basis)
                    {
                        positions[3 * k] = (i + b[0]) * a;
                        positions[3 * k + 1] = (j + b[1]) * a;
                        positions[3 * k + 2] = (l + b[2]) * a;
                        k++;
                    }
                }
            }
        }
        var key = CounterRandom.Key(seed, 0x6663631ul);
        for (var c = 0; c < 3 * n; c++)
        {
            velocities[c] = CounterRandom.Gaussian(key, (ulong)c);
        }
        for (var axis = 0; axis < 3; axis++)
        {
            var mean = 0.0;
            for (var i = 0; i < n; i++)
            {
                mean += velocities[3 * i + axis];
            }
            mean /= n;
            for (var i = 0; i < n; i++)
            {
                velocities[3 * i + axis] -= mean;
            }
        }
        // Scale to T with dof = 3N - 3 (LAMMPS compute temp), unit mass, kB = 1.
        var sum = velocities.Sum(v => v * v);
        var scale = Math.Sqrt(temperature * (3.0 * n - 3.0) / sum);
        for (var c = 0; c < 3 * n; c++)
        {
            velocities[c] *= scale;
        }
        var box = new OrthogonalBox(0, boxCellsX * a, 0, cellsY * a, 0, cellsZ * a);
        return new MdSystem(box, 1, Enumerable.Range(1, n).ToArray(), Enumerable.Repeat(1, n).ToArray(), positions,
            velocities, masses: [1.0]) { PairCoefficients = new PairCoefficientLines("lj/cut", ["1 1 1"]) };
    }
}
