namespace Dataflow.Kernels.Md.Bonded;

/// <summary>LAMMPS <c>bond_style harmonic</c>: E = K (r - r0)^2 for each bond of a <see cref="MolecularTopology"/>
/// (K in energy per distance squared, the factor 1/2 included in K as LAMMPS does).</summary>
/// <remarks>As LAMMPS' src/MOLECULE/bond_harmonic.cpp: the bond vector is the minimum image of x_1 - x_2, the force
/// on atom 1 is -2 K (r - r0) / r times it and atom 2 gets the opposite; the virial is the bond vector times that
/// force (tally order xx yy zz xy xz yz), half the energy to each atom's per-atom energy.</remarks>
public sealed class HarmonicBonds : IForceProvider
{
    private readonly (int Type, int Atom1, int Atom2)[] _bonds;
    private readonly (double K, double R0)[] _coefficients;
    private readonly BondedAtoms _atoms = new();

    /// <summary>The bonds of <paramref name="topology"/> with its <c>Bond Coeffs</c>, or
    /// <paramref name="coefficients"/> (<c>K r0</c> per type) when given.</summary>
    /// <exception cref="ArgumentException">A type without coefficients, or a malformed coefficient line.</exception>
    public HarmonicBonds(MolecularTopology topology, string[]? coefficients = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        _bonds = topology.Bonds;
        _coefficients = BondedAtoms.Coefficients(coefficients ?? topology.BondCoefficients, topology.BondTypeCount, "Bond Coeffs")
            .Select(c => (c.K, c.Value)).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "bond/harmonic";

    /// <summary>The bonds: type and the two atoms' ids.</summary>
    public IReadOnlyList<(int Type, int Atom1, int Atom2)> Bonds => _bonds;

    /// <summary>K and r0 of bond type <paramref name="type"/> (from 1).</summary>
    public (double K, double R0) Coefficients(int type) => _coefficients[type - 1];

    /// <summary>One bond of vector (<paramref name="dx"/>, <paramref name="dy"/>, <paramref name="dz"/>) = x_1 - x_2:
    /// the force on atom 1 over that vector (fbond; atom 1 gets fbond d, atom 2 -fbond d) and the energy.</summary>
    public static (double FBond, double Energy) Term(double k, double r0, double dx, double dy, double dz)
    {
        var r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
        var dr = r - r0;
        var rk = k * dr;
        // bond_harmonic.cpp: fbond = -2 rk / r, 0 for coincident atoms.
        return (r > 0.0 ? -2.0 * rk / r : 0.0, rk * dr);
    }

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => null;

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        var f = result.Forces;
        var perAtom = result.Wants(ForceTerms.PerAtomEnergy);
        var energy = 0.0;
        Span<double> virial = stackalloc double[6];
        foreach (var (type, id1, id2) in _bonds)
        {
            var i1 = _atoms.IndexOf(state, id1);
            var i2 = _atoms.IndexOf(state, id2);
            var (dx, dy, dz) = BondedAtoms.Delta(state, i1, i2);
            var (k, r0) = _coefficients[type - 1];
            var (fbond, ebond) = Term(k, r0, dx, dy, dz);
            f[3 * i1] += dx * fbond;
            f[3 * i1 + 1] += dy * fbond;
            f[3 * i1 + 2] += dz * fbond;
            f[3 * i2] -= dx * fbond;
            f[3 * i2 + 1] -= dy * fbond;
            f[3 * i2 + 2] -= dz * fbond;
            energy += ebond;
            virial[0] += dx * dx * fbond;
            virial[1] += dy * dy * fbond;
            virial[2] += dz * dz * fbond;
            virial[3] += dx * dy * fbond;
            virial[4] += dx * dz * fbond;
            virial[5] += dy * dz * fbond;
            if (perAtom)
            {
                result.PerAtomEnergy[i1] += 0.5 * ebond;
                result.PerAtomEnergy[i2] += 0.5 * ebond;
            }
        }
        result.Energy += energy;
        for (var c = 0; c < 6; c++)
        {
            result.Virial[c] += virial[c];
        }
    }
}
