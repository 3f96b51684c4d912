using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using TorchSharp;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class AdamWOptimizerSpec
{
    [Fact]
    public void Matches_torch_optim_AdamW_over_twenty_steps_with_the_schedule()
    {
        TorchRuntime.EnsureLoaded(1);
        var settings = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 1, Seed: 1,
            LearningRate: 2e-2, WeightDecay: 0.05, Beta1: 0.8, Beta2: 0.99, Epsilon: 1e-6, WarmupSteps: 5, TotalSteps: 30);
        const int n = 64;
        const int steps = 20;
        var key = CounterRandom.Key(77, 1);
        var mine = Enumerable.Range(0, n).Select(j => (float)CounterRandom.Gaussian(key, (ulong)j)).ToArray();
        var optimizer = new AdamWOptimizer(settings, n);

        using var scope = torch.NewDisposeScope();
        var reference = new TorchSharp.Modules.Parameter(torch.tensor(mine));
        var torchOptimizer = torch.optim.AdamW([reference], lr: settings.LearningRate, beta1: settings.Beta1,
            beta2: settings.Beta2, eps: settings.Epsilon, weight_decay: settings.WeightDecay);

        for (var t = 1; t <= steps; t++)
        {
            // Gradients of a quadratic bowl plus noise, with a few components of very different scale.
            var gradient = new float[n];
            for (var j = 0; j < n; j++)
            {
                var scale = j % 8 == 0 ? 1e-3 : j % 8 == 1 ? 30.0 : 1.0;
                gradient[j] = (float)(scale * (mine[j] + 0.3 * CounterRandom.Gaussian(key, (ulong)(1000 * t + j))));
            }
            foreach (var group in torchOptimizer.ParamGroups)
            {
                group.LearningRate = settings.LearningRateAt(t);
            }
            reference.grad = torch.tensor(gradient);
            torchOptimizer.step();
            optimizer.Step(mine, gradient);
        }

        var expected = reference.data<float>().ToArray();
        var worst = 0.0;
        for (var j = 0; j < n; j++)
        {
            worst = Math.Max(worst, Math.Abs(mine[j] - expected[j]) / Math.Max(Math.Abs(expected[j]), 1e-2));
        }
        Assert.True(worst < 1e-6, $"largest relative difference from torch.optim.AdamW {worst:E2}");
        Assert.Equal(steps, optimizer.StepCount);
        // Not trivially equal to the start: the parameters moved by many learning rates.
        Assert.True(mine.Zip(Enumerable.Range(0, n).Select(j => (float)CounterRandom.Gaussian(key, (ulong)j)))
            .Max(p => Math.Abs(p.First - p.Second)) > 0.05);
    }

    [Fact]
    public void First_step_moves_every_parameter_by_the_learning_rate_against_the_gradient_sign()
    {
        // At t = 1, m_hat = g and sqrt(v_hat) = |g|, so the step is lr * sign(g) (plus decay): an analytic check.
        var settings = new TrainSettings(TrainModelKind.Mlp, 1, 1, LearningRate: 0.1, WeightDecay: 0.5, WarmupSteps: 0, Epsilon: 1e-12);
        var parameters = new[] { 1f, -2f, 0.5f };
        var optimizer = new AdamWOptimizer(settings, 3);
        optimizer.Step(parameters, new[] { 3f, -0.01f, 1e-4f });
        Assert.Equal(1f * 0.95f - 0.1f, parameters[0], 1e-6f);
        Assert.Equal(-2f * 0.95f + 0.1f, parameters[1], 1e-6f);
        Assert.Equal(0.5f * 0.95f - 0.1f, parameters[2], 1e-6f);
    }
}
