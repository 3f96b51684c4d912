namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>Labelled frames made by the project's own engine: a binary Lennard-Jones liquid (argon and krypton
/// parameters, <c>units metal</c>) run by <see cref="MdSimulation"/> under a Langevin thermostat; each sampled
/// configuration is labelled with the lj/cut energy, forces and virial of a fresh setup at those positions.</summary>
/// <remarks>Single-threaded throughout, so the frames are the same bits on every run. The set committed in
/// Kernels/Md/Reference/dp-lj-binary was written by <see cref="Write"/> with the defaults.</remarks>
public static class LjReferenceFrames
{
    /// <summary>Element names of types 0 and 1.</summary>
    public static readonly string[] TypeMap = ["Ar", "Kr"];

    /// <summary>lj/cut cutoff, Angstrom (energies shifted to zero there).</summary>
    public const double CutoffAngstrom = 6.5;

    /// <summary>The lj/cut force field: Ar-Ar 0.0104 eV, 3.40 Angstrom; Kr-Kr 0.0140 eV, 3.65 Angstrom; geometric mixing.</summary>
    public static LennardJonesCut PairStyle() => new(
        2, CutoffAngstrom,
        [new LennardJonesPairCoefficient(1, 1, 0.0104, 3.40), new LennardJonesPairCoefficient(2, 2, 0.0140, 3.65)],
        LennardJonesMixing.Geometric, shift: true, new PairComputeOptions { Threads = 1 });

    /// <summary>Runs the liquid and returns <paramref name="frames"/> labelled frames, one every
    /// <paramref name="every"/> steps after <paramref name="equilibration"/> steps.</summary>
    /// <param name="frames">Frames to sample.</param>
    /// <param name="every">Steps between samples (2 fs each).</param>
    /// <param name="equilibration">Steps before the first sample.</param>
    /// <param name="temperatureKelvin">Langevin target temperature.</param>
    /// <param name="seed">Seed of the initial velocities and the thermostat.</param>
    public static DeepmdSystem Generate(int frames = 60, int every = 40, int equilibration = 1000, double temperatureKelvin = 150, int seed = 11)
    {
        // 32 atoms on a 2x2x2 fcc lattice at 0.021 atoms/A^3 (liquid argon's density), types alternating.
        const int cells = 2;
        var edge = Math.Cbrt(32 / 0.021);
        var a = edge / cells;
        double[][] basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
        var positions = new List<double>();
        for (var x = 0; x < cells; x++)
        {
            for (var y = 0; y < cells; y++)
            {
                for (var z = 0; z < cells; z++)
                {
                    foreach (var b in basis)
                    {
                        positions.AddRange([(x + b[0] + 0.01) * a, (y + b[1] + 0.01) * a, (z + b[2] + 0.01) * a]);
                    }
                }
            }
        }
        var n = positions.Count / 3;
        var types = Enumerable.Range(0, n).Select(i => 1 + i % 2).ToArray();
        var random = new Random(seed);
        var velocities = Enumerable.Range(0, 3 * n).Select(_ => 0.01 * (random.NextDouble() - 0.5)).ToArray();
        var box = OrthogonalBox.FromLengths(edge, edge, edge);
        var system = new MdSystem(box, 2, Enumerable.Range(1, n).ToArray(), types, positions.ToArray(), velocities, masses: [39.948, 83.798]);
        var state = new MdState(system, UnitSystem.Metal, timestep: 0.002);
        using var pair = PairStyle();
        var thermostat = new LangevinThermostat(temperatureKelvin, temperatureKelvin, 0.1, seed);
        var simulation = new MdSimulation(state, [pair, thermostat], new VelocityVerlet(), threads: 1);
        simulation.Run(equilibration);
        var labelled = new List<DpLabelledFrame>();
        for (var f = 0; f < frames; f++)
        {
            simulation.Run(every);
            labelled.Add(Label(state.Positions, types, edge));
        }
        return new DeepmdSystem("lj-binary", TypeMap, types.Select(t => t - 1).ToArray(), labelled);
    }

    /// <summary>The lj/cut energy, forces and virial of one configuration (types 1-based as in LAMMPS).</summary>
    public static DpLabelledFrame Label(double[] positions, int[] types, double edge)
    {
        var n = types.Length;
        var system = new MdSystem(OrthogonalBox.FromLengths(edge, edge, edge), 2, Enumerable.Range(1, n).ToArray(), types,
            (double[])positions.Clone(), masses: [39.948, 83.798]);
        var state = new MdState(system, UnitSystem.Metal, timestep: 0.002);
        using var pair = PairStyle();
        var simulation = new MdSimulation(state, [pair], new VelocityVerlet(), threads: 1);
        simulation.Run(0);
        var w = simulation.Forces.Virial;
        // LAMMPS' virial order xx, yy, zz, xy, xz, yz; symmetric 3x3 row-major here.
        double[] virial = [w[0], w[3], w[4], w[3], w[1], w[5], w[4], w[5], w[2]];
        return new DpLabelledFrame(
            new DpFrame(state.Positions.ToArray(), [edge, 0, 0, 0, edge, 0, 0, 0, edge]),
            simulation.Forces.Energy, simulation.Forces.Forces.ToArray(), virial);
    }

    /// <summary>Writes <see cref="Generate"/>'s frames: the first <paramref name="training"/> to
    /// <c>directory/train</c>, the rest to <c>directory/holdout</c>.</summary>
    public static void Write(string directory, int training = 48)
    {
        var all = Generate();
        (all with { Frames = all.Frames.Take(training).ToArray() }).Write(Path.Combine(directory, "train"), 16);
        (all with { Frames = all.Frames.Skip(training).ToArray() }).Write(Path.Combine(directory, "holdout"));
    }
}
