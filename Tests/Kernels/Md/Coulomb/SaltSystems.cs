using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;

namespace Dataflow.Tests.Kernels.Md.Coulomb;

/// <summary>The NaCl-like salt of Kernels/Md/Reference/in.nacl-melt and the providers the Coulomb specs share.</summary>
internal static class SaltSystems
{
    /// <summary>Metal-unit timestep of the reference runs, ps.</summary>
    public const double TimestepPs = 0.002;

    /// <summary><c>pair_style lj/cut/coul/long 8.0</c>.</summary>
    public const double CutoffAngstrom = 8.0;

    /// <summary><c>pair_coeff 1 1 0.005637 2.350</c> (Na+) and <c>pair_coeff 2 2 0.004336 4.400</c> (Cl-), eV and
    /// Angstrom; unlike pair by <c>pair_modify mix arithmetic</c>.</summary>
    public static LennardJonesPairCoefficient[] Coefficients { get; } =
    [
        new(1, 1, 0.005637, 2.350),
        new(2, 2, 0.004336, 4.400),
    ];

    /// <summary><c>neighbor 2.0 bin</c>, <c>neigh_modify delay 0 every 1 check yes</c>.</summary>
    public static NeighborSettings Neighbors { get; } = new() { SkinDistance = 2.0, Every = 1, Delay = 0, Check = true };

    /// <summary>nacl-melt.data: 256 Na+ and 256 Cl- at 1300 K, written by in.nacl-melt.</summary>
    public static MdState MeltState() => new(MdTestSystems.Reference("nacl-melt.data"), UnitSystem.Metal, TimestepPs);

    /// <summary>The pair style of the reference inputs with <paramref name="kspace"/>'s g_ewald.</summary>
    public static LennardJonesCutCoulombLong Pair(
        KSpaceForceProvider kspace, RealSpaceErfc erfc = RealSpaceErfc.LammpsPolynomial, int threads = 2) =>
        LennardJonesCutCoulombLong.ForKSpace(
            kspace, 2, CutoffAngstrom, Coefficients, LennardJonesMixing.Arithmetic, erfc: erfc,
            options: new PairComputeOptions { Threads = threads });

    /// <summary>A simulation of <paramref name="state"/> with the pair style and <paramref name="kspace"/>.</summary>
    public static MdSimulation Simulation(MdState state, KSpaceForceProvider kspace, RealSpaceErfc erfc = RealSpaceErfc.LammpsPolynomial) =>
        new(state, [Pair(kspace, erfc), kspace], new VelocityVerlet(), Neighbors, 2);

    /// <summary><paramref name="n"/> ions (alternately +1 and -1, types 1 and 2, Na and Cl masses) at random
    /// positions in a cube of <paramref name="edgeAngstrom"/>, no two closer than 2.4 Angstrom, with random
    /// velocities.</summary>
    public static MdState RandomSalt(int n, double edgeAngstrom, int seed)
    {
        var random = MdTestSystems.Random(n, edgeAngstrom, 2, 2.4, seed, speed: 5.0);
        var charges = random.Types.Select(t => t == 1 ? 1.0 : -1.0).ToArray();
        var system = new MdSystem(
            random.Box, 2, random.Ids, random.Types, random.Positions, random.Velocities, random.Images,
            [22.98977, 35.453], charges, style: AtomStyle.Charge);
        return new MdState(system, UnitSystem.Metal, TimestepPs);
    }
}
