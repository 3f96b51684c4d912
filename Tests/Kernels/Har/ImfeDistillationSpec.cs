using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Har;
using Dataflow.Tests.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>IMFE distils: trained on the Farneback flow features of synthetic clips, its distillation loss falls well
/// below the predict-zero level and its feature maps of held-out clips correlate with the teacher's.</summary>
/// <remarks>This run (fixed seeds, one libtorch thread, so the same numbers each time) measured: loss 0.0433 -> 0.0252,
/// held-out MSE 0.0225 against 0.0309 for zero features (0.73, close under its bound of 0.75), correlation 0.553.
/// The first IMFE (4-pixel encoder cells, cosine correlation) fails them by far in a 150-step experiment on the same
/// clips: MSE 0.96 of the predict-zero level and correlation 0.33 at Adam 1e-3, correlation -0.002 at 2e-3. Heavy: 3 to
/// 4 minutes on the shared two-core machine at a load average of 10 to 18 (34 minutes near 30).</remarks>
public sealed class ImfeDistillationSpec(ITestOutputHelper output)
{
    [HeavyFact]
    [Trait("Category", "Heavy")]
    public void The_distillation_loss_falls_and_held_out_features_correlate_with_the_teachers()
    {
        var settings = new HarTrainSettings { TrainClips = 60, TestClips = 24, ImfeSteps = 150, Batch = 16, Seed = 3 };
        TorchRuntime.EnsureLoaded(settings.Threads);
        var train = HarClips.Generate(settings.TrainClips, settings.Seed);
        var test = HarClips.Generate(settings.TestClips, settings.Seed + 7919);
        using var model = HarModel.Create(settings.Seed, SyntheticActionVideo.Classes);
        var (first, last) = HarTrainer.DistilImfe(model.Imfe, train, settings,
            (phase, step, steps, loss) => output.WriteLine($"{phase} {step}/{steps} {loss:F5}"));
        var (mse, correlation) = HarTrainer.Compare(HarTrainer.ImfeFeatures(model.Imfe, test), test.Features);
        var zero = test.Features.SelectMany(f => f).Average(v => (double)v * v);
        output.WriteLine($"loss {first:F5} -> {last:F5}; held-out MSE {mse:F5} (predict-zero {zero:F5}), correlation {correlation:F3}");
        Assert.True(last < 0.75 * first, $"distillation loss {first:F5} -> {last:F5}");
        Assert.True(mse < 0.75 * zero, $"held-out MSE {mse:F5} against {zero:F5} for zero features");
        Assert.True(correlation > 0.5, $"held-out correlation with the teacher {correlation:F3}");
    }
}
