using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.DeepPotential;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.DeepPotential;

/// <summary>The Deep Potential as an engine force provider: the engine's setup forces, energy and virial are the
/// model's of the same (wrapped) positions, and short NVE runs conserve energy.</summary>
public sealed class DeepPotentialPairSpec
{
    [Fact]
    public void The_engine_sees_the_models_energy_forces_and_virial_and_conserves_energy()
    {
        var frame = DeepmdSystem.Read(Path.Combine(LjReferenceFramesSpec.Committed, "holdout")).Frames[0].Frame;
        var edge = frame.Box![0];
        var types = Enumerable.Range(0, 32).Select(i => 1 + i % 2).ToArray();
        // One atom moved out of the box by a box length: the provider wraps it.
        var positions = (double[])frame.Positions.Clone();
        positions[0] += edge;
        var system = new MdSystem(OrthogonalBox.FromLengths(edge, edge, edge), 2, Enumerable.Range(1, 32).ToArray(), types, positions,
            new double[96], masses: [39.948, 83.798]);
        var model = DpTestSystems.Model(DpTestSystems.Small(sel: 60));
        using var pair = new DeepPotentialPair(model, [0, 1]);
        var simulation = new MdSimulation(new MdState(system, UnitSystem.Metal, timestep: 0.0005), [pair], new VelocityVerlet(), threads: 1);
        simulation.Run(0);
        var direct = model.Evaluate(frame, types.Select(t => t - 1).ToArray());
        Assert.Equal(direct.Energy, simulation.Forces.Energy, 1e-12 * Math.Abs(direct.Energy));
        DeepPotentialModelSpec.AssertRelative(direct.Forces, simulation.Forces.Forces, 1e-12, "engine forces");
        double[] lammps = [direct.Virial[0], direct.Virial[4], direct.Virial[8], direct.Virial[1], direct.Virial[2], direct.Virial[5]];
        DeepPotentialModelSpec.AssertRelative(lammps, simulation.Forces.Virial, 1e-12, "engine virial");

        // NVE, 0.5 fs: total energy within 1 % of the kinetic energy over 40 steps.
        var start = simulation.Run(0);
        var end = simulation.Run(40);
        var scale = Math.Max(Math.Abs(end.KineticEnergy), 1e-3);
        Assert.True(Math.Abs(end.TotalEnergy - start.TotalEnergy) < 1e-2 * scale,
            $"NVE drift {end.TotalEnergy - start.TotalEnergy:E3} eV against kinetic energy {end.KineticEnergy:E3}");
    }
}
