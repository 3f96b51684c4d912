using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.DeepPotential;

namespace Dataflow.Host.Bench;

/// <summary>The <c>dp</c> section of <c>dataflow bench</c>: atom-steps per second of NVE molecular dynamics with a Deep
/// Potential (single and double precision) against lj/cut on the same atoms and the same one thread.</summary>
internal static class DpBench
{
    /// <summary>Writes the section; <paramref name="steps"/> velocity-Verlet steps per row, with the model file
    /// <paramref name="modelPath"/> (null: a fresh model of dp-train's default network, whose speed is the same).</summary>
    public static Task Run(TextWriter w, int steps, string? modelPath)
    {
        // 256 atoms: the first held-out LJ frame replicated 2x2x2 (box 23.0 A, beyond 2 rcut).
        var frame = DeepmdSystem.Read(Path.Combine(MdReferenceData.Directory, "dp-lj-binary", "holdout")).Frames[0].Frame;
        var edge = frame.Box![0];
        var positions = new List<double>();
        var types = new List<int>();
        for (var a = 0; a < 2; a++)
        {
            for (var b = 0; b < 2; b++)
            {
                for (var c = 0; c < 2; c++)
                {
                    for (var i = 0; i < 32; i++)
                    {
                        positions.AddRange([frame.Positions[3 * i] + a * edge, frame.Positions[3 * i + 1] + b * edge, frame.Positions[3 * i + 2] + c * edge]);
                        types.Add(1 + i % 2);
                    }
                }
            }
        }
        MdSimulation Simulation(IForceProvider provider)
        {
            var system = new MdSystem(OrthogonalBox.FromLengths(2 * edge, 2 * edge, 2 * edge), 2, Enumerable.Range(1, types.Count).ToArray(),
                types.ToArray(), positions.ToArray(), new double[positions.Count], masses: [39.948, 83.798]);
            return new MdSimulation(new MdState(system, UnitSystem.Metal, timestep: 0.002), [provider], new VelocityVerlet(), threads: 1);
        }
        double Rate(IForceProvider provider)
        {
            var simulation = Simulation(provider);
            simulation.Run(2);
            var clock = Stopwatch.StartNew();
            simulation.Run(steps);
            return types.Count * steps / clock.Elapsed.TotalSeconds;
        }
        DeepPotentialModel Model(bool float64)
        {
            if (modelPath is not null)
            {
                var read = DpModelFile.Read(modelPath);
                var settings = read.Settings with { Float64 = float64 };
                var model = new DeepPotentialModel(settings, read.Parameters, read.Stats);
                read.Dispose();
                return model;
            }
            return new DeepPotentialModel(new DeepPotentialSettings(["Ar", "Kr"], 7.0, 5.5, [23, 23], [8, 16, 32], 4, [32, 32, 32], float64), 1);
        }
        Kernels.Compute.TorchRuntime.EnsureLoaded(1);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"== dp: NVE atom-steps/s, 256 atoms (binary LJ liquid), {steps} steps each, one thread; model {modelPath ?? "fresh (dp-train's default network)"}"));
        using var lj = LjReferenceFrames.PairStyle();
        var ljRate = Rate(lj);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  lj/cut 6.5          {ljRate,12:F0} atom-steps/s"));
        foreach (var float64 in new[] { false, true })
        {
            using var dp = new DeepPotentialPair(Model(float64), [0, 1]);
            var rate = Rate(dp);
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  deepmd {(float64 ? "float64" : "float32")}       {rate,12:F0} atom-steps/s   ({ljRate / rate:F0}x slower than lj/cut)"));
        }
        return Task.CompletedTask;
    }
}
