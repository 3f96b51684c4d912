using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>The local atoms of one spatial domain: owned atoms first, then ghosts, each with its canonical key.</summary>
/// <param name="Positions">Interleaved xyz; ghosts carry their image shift, x + s L.</param>
/// <param name="Types">Types from 1.</param>
/// <param name="Charges">Charges, or null for an uncharged system.</param>
/// <param name="Keys">Global id * 27 + image-shift index, unique per local atom.</param>
/// <param name="Owned">Owned atoms: the first Owned local atoms.</param>
/// <param name="OwnedGlobal">Storage index in the global system of each owned atom.</param>
internal sealed record DomainAtoms(double[] Positions, int[] Types, double[]? Charges, long[] Keys, int Owned, int[] OwnedGlobal)
{
    /// <summary>Local atoms, owned and ghosts.</summary>
    public int Count => Types.Length;
}

/// <summary>Per global atom: force, energy and virial, gathered from the owned atoms of one or more domains.</summary>
internal sealed record GlobalForces(double[] Forces, double[] Energy, double[] Virial)
{
    /// <summary>Asserts that every value has the same bits as in <paramref name="expected"/>.</summary>
    public void AssertBitwiseEqual(GlobalForces expected, string what)
    {
        foreach (var (name, a, b) in new[] { ("force", expected.Forces, Forces), ("energy", expected.Energy, Energy), ("virial", expected.Virial, Virial) })
        {
            Assert.Equal(a.Length, b.Length);
            for (var k = 0; k < a.Length; k++)
            {
                if (BitConverter.DoubleToInt64Bits(a[k]) != BitConverter.DoubleToInt64Bits(b[k]))
                {
                    Assert.Fail($"{what}: {name}[{k}] is {b[k]:R}, expected the bits of {a[k]:R}");
                }
            }
        }
    }
}

/// <summary>Spatial decompositions of a periodic system into domains with ghosts, built independently of the code
/// under test from the global wrapped positions.</summary>
internal static class DomainTestSystems
{
    /// <summary>The index of image shift (sx, sy, sz), each -1, 0 or 1, in the key: (sx + 1) + 3 (sy + 1) + 9 (sz + 1).</summary>
    public static int ShiftIndex(int sx, int sy, int sz) => (sx + 1) + 3 * (sy + 1) + 9 * (sz + 1);

    /// <summary>One domain covering the whole box: every atom owned, and as ghosts every periodic image x + s L
    /// (s != 0) within <paramref name="listCutoff"/> of the box.</summary>
    public static DomainAtoms Single(MdState wrapped, double listCutoff) => Split(wrapped, 1, 1, 1, listCutoff)[0];

    /// <summary>The box cut into nx by ny by nz equal domains. Domain (cx, cy, cz), index cx + nx (cy + ny cz), owns
    /// the atoms whose wrapped position falls in it (in storage order) and holds as ghosts every image x_j + s L,
    /// s in {-1, 0, 1}^3, of every atom it does not own that lies within <paramref name="listCutoff"/> of it (a hair
    /// more, for rounding of the domain bounds: extra ghosts change nothing).</summary>
    public static DomainAtoms[] Split(MdState wrapped, int nx, int ny, int nz, double listCutoff)
    {
        var box = wrapped.Box;
        var x = wrapped.Positions;
        var n = wrapped.AtomCount;
        int[] cells = [nx, ny, nz];
        var owner = new int[n];
        Span<int> c = stackalloc int[3];
        for (var i = 0; i < n; i++)
        {
            for (var a = 0; a < 3; a++)
            {
                Assert.InRange(x[3 * i + a], box.Lo(a), box.Hi(a));
                c[a] = Math.Clamp((int)Math.Floor((x[3 * i + a] - box.Lo(a)) / box.Length(a) * cells[a]), 0, cells[a] - 1);
            }
            owner[i] = c[0] + nx * (c[1] + ny * c[2]);
        }
        var reach = listCutoff + 1e-9 * listCutoff;
        var domains = new DomainAtoms[nx * ny * nz];
        for (var d = 0; d < domains.Length; d++)
        {
            int[] cell = [d % nx, d / nx % ny, d / (nx * ny)];
            var lo = new double[3];
            var hi = new double[3];
            for (var a = 0; a < 3; a++)
            {
                lo[a] = box.Lo(a) + box.Length(a) * cell[a] / cells[a];
                hi[a] = box.Lo(a) + box.Length(a) * (cell[a] + 1) / cells[a];
            }
            var positions = new List<double>();
            var types = new List<int>();
            var charges = new List<double>();
            var keys = new List<long>();
            var ownedGlobal = new List<int>();
            void Add(int j, int sx, int sy, int sz, double[] p)
            {
                positions.AddRange(p);
                types.Add(wrapped.Types[j]);
                charges.Add(wrapped.Charges?[j] ?? 0);
                keys.Add((long)wrapped.Ids[j] * 27 + ShiftIndex(sx, sy, sz));
            }
            for (var j = 0; j < n; j++)
            {
                if (owner[j] == d)
                {
                    Add(j, 0, 0, 0, Image(box, x, j, 0, 0, 0));
                    ownedGlobal.Add(j);
                }
            }
            for (var j = 0; j < n; j++)
            {
                for (var sz = -1; sz <= 1; sz++)
                {
                    for (var sy = -1; sy <= 1; sy++)
                    {
                        for (var sx = -1; sx <= 1; sx++)
                        {
                            if (sx == 0 && sy == 0 && sz == 0 && owner[j] == d)
                            {
                                continue;
                            }
                            var p = Image(box, x, j, sx, sy, sz);
                            var distanceSquared = 0.0;
                            for (var a = 0; a < 3; a++)
                            {
                                var outside = Math.Max(Math.Max(lo[a] - p[a], p[a] - hi[a]), 0);
                                distanceSquared += outside * outside;
                            }
                            if (distanceSquared < reach * reach)
                            {
                                Add(j, sx, sy, sz, p);
                            }
                        }
                    }
                }
            }
            domains[d] = new DomainAtoms(
                positions.ToArray(), types.ToArray(), wrapped.Charges is null ? null : charges.ToArray(), keys.ToArray(),
                ownedGlobal.Count, ownedGlobal.ToArray());
        }
        return domains;
    }

    /// <summary>The same local atoms in another storage order: owned atoms shuffled among themselves, ghosts
    /// among themselves.</summary>
    public static DomainAtoms Shuffled(DomainAtoms atoms, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, atoms.Count).ToArray();
        random.Shuffle(order.AsSpan(0, atoms.Owned));
        random.Shuffle(order.AsSpan(atoms.Owned));
        return new DomainAtoms(
            order.SelectMany(i => new[] { atoms.Positions[3 * i], atoms.Positions[3 * i + 1], atoms.Positions[3 * i + 2] }).ToArray(),
            order.Select(i => atoms.Types[i]).ToArray(),
            atoms.Charges is null ? null : order.Select(i => atoms.Charges[i]).ToArray(),
            order.Select(i => atoms.Keys[i]).ToArray(),
            atoms.Owned,
            order.Take(atoms.Owned).Select(i => atoms.OwnedGlobal[i]).ToArray());
    }

    /// <summary>Builds each domain's list and evaluates <paramref name="style"/> on it, gathering every owned
    /// atom's force, energy and virial by global storage index.</summary>
    public static GlobalForces Evaluate(
        IDomainPairStyle style, IReadOnlyList<DomainAtoms> domains, int atomCount, double listCutoff, int listThreads = 1)
    {
        var global = new GlobalForces(new double[3 * atomCount], new double[atomCount], new double[6 * atomCount]);
        var seen = new bool[atomCount];
        var list = new DomainNeighborList(listThreads);
        foreach (var domain in domains)
        {
            list.Build(domain.Positions, domain.Count, domain.Owned, domain.Keys, listCutoff);
            var result = new ForceResult(domain.Owned, ForceTerms.All);
            style.Compute(list, domain.Positions, domain.Types, domain.Charges, result);
            for (var i = 0; i < domain.Owned; i++)
            {
                var g = domain.OwnedGlobal[i];
                Assert.False(seen[g], $"atom {g} is owned twice");
                seen[g] = true;
                Array.Copy(result.Forces, 3 * i, global.Forces, 3 * g, 3);
                global.Energy[g] = result.PerAtomEnergy[i];
                Array.Copy(result.PerAtomVirial, 6 * i, global.Virial, 6 * g, 6);
            }
        }
        Assert.All(seen, Assert.True);
        return global;
    }

    /// <summary>lj-500.data (LAMMPS' fcc lattice at 0.8442, where every force vanishes by symmetry) with each
    /// coordinate moved by up to 0.1 sigma at random, wrapped into the box.</summary>
    public static MdState DisplacedLj500(int seed = 5)
    {
        var system = MdTestSystems.Reference("lj-500.data");
        var random = new Random(seed);
        for (var k = 0; k < system.Positions.Length; k++)
        {
            system.Positions[k] += 0.2 * (random.NextDouble() - 0.5);
        }
        var state = new MdState(system, UnitSystem.Lj);
        state.WrapIntoBox();
        return state;
    }

    /// <summary>A copy of <paramref name="state"/>'s system with every atom wrapped into the box.</summary>
    public static MdState Wrapped(MdState state)
    {
        var copy = new MdState(state.System.Clone(), state.Units, state.Timestep);
        copy.WrapIntoBox();
        return copy;
    }

    // x_j + s L, per axis x + s * length, the ghost position every domain computes alike (s = 0 for owned atoms).
    private static double[] Image(OrthogonalBox box, double[] x, int j, int sx, int sy, int sz) =>
    [
        x[3 * j] + sx * box.LengthX,
        x[3 * j + 1] + sy * box.LengthY,
        x[3 * j + 2] + sz * box.LengthZ,
    ];
}
