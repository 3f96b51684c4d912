using Dataflow.Kernels.Md.DeepPotential;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.DeepPotential;

/// <summary>Training on the committed Lennard-Jones frames (Kernels/Md/Reference/dp-lj-binary): deepmd-kit's
/// schedules, logical workers summing to the whole batch's gradient, and the trained model's held-out force error.</summary>
public sealed class DpTrainingSpec(ITestOutputHelper output)
{
    /// <summary>The network of the LJ specs, dp-train's defaults: rcut 7 (beyond lj/cut's 6.5), sel 23 per type (the
    /// frames' largest count plus 20 %, as dp-train chooses), embedding 8,16,32, M2 4, fitting 32,32,32.</summary>
    public static DeepPotentialSettings LjModel(bool float64 = false) =>
        new(["Ar", "Kr"], 7.0, 5.5, [23, 23], [8, 16, 32], 4, [32, 32, 32], float64);

    private static DeepmdSystem Train => DeepmdSystem.Read(Path.Combine(LjReferenceFramesSpec.Committed, "train"));

    private static DeepmdSystem Holdout => DeepmdSystem.Read(Path.Combine(LjReferenceFramesSpec.Committed, "holdout"));

    [Fact]
    public void The_schedules_are_deepmds()
    {
        var s = new DpTrainSettings(LjModel(), Steps: 1000, BatchSize: 4, Seed: 1, StartLearningRate: 1e-3, StopLearningRate: 1e-5, DecaySteps: 100);
        Assert.Equal(1e-3, s.LearningRate(0));
        Assert.Equal(1e-3, s.LearningRate(99));
        // r = (1e-5/1e-3)^(100/1000) = 10^-0.2 per 100 steps.
        Assert.Equal(1e-3 * Math.Pow(10, -0.2), s.LearningRate(100), 1e-15);
        Assert.Equal(1e-5, s.LearningRate(1000), 1e-15);
        Assert.Equal(1000.0, DpTrainSettings.Prefactor(1000, 1, 1e-3, 1e-3));
        Assert.Equal(1 + 999 * 0.5, DpTrainSettings.Prefactor(1000, 1, 0.5e-3, 1e-3));
    }

    [Fact]
    public void Logical_workers_shares_sum_to_the_whole_batchs_gradient_and_repeat_bit_for_bit()
    {
        var whole = new DpTrainSettings(LjModel(float64: true), Steps: 10, BatchSize: 6, Seed: 2, StartPrefV: 1, LimitPrefV: 1);
        using var one = new DpTrainer(whole, [Train]);
        using var three = new DpTrainer(whole with { LogicalWorkers = 3 }, [Train]);
        Assert.Equal(one.InitialParameters, three.InitialParameters);
        Assert.Equal(one.FramesOf(4, 0).Order(), Enumerable.Range(0, 3).SelectMany(w => three.FramesOf(4, w)).Order());
        var (g1, l1) = one.StepGradient(4, one.InitialParameters);
        var (g3, l3) = three.StepGradient(4, three.InitialParameters);
        DeepPotentialModelSpec.AssertRelative(g1, g3, 1e-12, "gradient over 3 workers");
        Assert.Equal(l1, l3, 1e-12 * l1);
        Assert.Equal(g3, three.StepGradient(4, three.InitialParameters).Gradient);

        // The loss's gradient is the derivative of the loss: one parameter by central differences.
        var index = g1.Select((g, i) => (Math.Abs(g), i)).Max().i;
        const double h = 1e-6;
        var plus = one.InitialParameters.ToArray();
        var minus = one.InitialParameters.ToArray();
        plus[index] += h;
        minus[index] -= h;
        var fd = (one.StepGradient(4, plus).Loss - one.StepGradient(4, minus).Loss) / (2 * h);
        Assert.Equal(fd, g1[index], 1e-6 * Math.Abs(fd));
    }

    [Fact]
    public void A_short_training_run_cuts_the_held_out_force_error()
    {
        // Measured here: the held-out force RMSE goes from 94 % of the force std to 59.1 % in 200 steps (and to 53.8 % in
        // 400); the energy RMSE from 0.68 to 0.0020 eV/atom.
        var settings = new DpTrainSettings(LjModel(), Steps: 200, BatchSize: 4, Seed: 3, StartLearningRate: 2e-3, StopLearningRate: 5e-5, DecaySteps: 100);
        using var trainer = new DpTrainer(settings, [Train]);
        Assert.Equal(0, trainer.Overflow);
        var before = DpTrainer.Test(trainer.Model, [Holdout]);
        trainer.Train();
        var after = DpTrainer.Test(trainer.Model, [Holdout]);
        output.WriteLine($"before: {before}\nafter 200 steps: {after}; force RMSE / std {after.ForceRmse / after.ForceStd:P2}");
        Assert.True(before.ForceRmse > 0.8 * before.ForceStd, $"untrained: {before}");
        Assert.True(after.ForceRmse < 0.7 * after.ForceStd, $"after 200 steps: {after}");
        Assert.True(after.EnergyRmsePerAtom < 0.1 * before.EnergyRmsePerAtom, $"energy: {before} -> {after}");
    }

    [HeavyFact]
    [Trait("Category", "Heavy")]
    public void Trained_on_the_engines_frames_the_held_out_force_error_is_under_five_percent_of_the_force_spread()
    {
        var settings = new DpTrainSettings(LjModel(), Steps: 8000, BatchSize: 4, Seed: 1, StartLearningRate: 2e-3, StopLearningRate: 5e-5, DecaySteps: 100);
        using var trainer = new DpTrainer(settings, [Train]);
        trainer.Train();
        var after = DpTrainer.Test(trainer.Model, [Holdout]);
        output.WriteLine($"after 8000 steps: {after}; force RMSE / std {after.ForceRmse / after.ForceStd:P2}");
        Assert.True(after.ForceRmse < 0.05 * after.ForceStd, $"force RMSE {after.ForceRmse:E3} against std {after.ForceStd:E3}");
    }
}
