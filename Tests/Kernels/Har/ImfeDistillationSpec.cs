using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Har;
using Dataflow.Tests.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>IMFE distils: trained on the Farneback flow features of synthetic clips, its distillation loss falls well
/// below the predict-zero level and its feature maps of held-out clips correlate with the teacher's.</summary>
/// <remarks>The bounds leave room under what 150 steps reached while IMFE was reworked (seed 3, 60 clips, batch 16,
/// Adam 1e-3, its batches drawn another way): held-out MSE 0.54 of the predict-zero level, correlation 0.705. The
/// first IMFE (4-pixel encoder cells, cosine correlation) fails them on the same data: MSE 0.96 of the predict-zero
/// level and correlation 0.33 at 1e-3, correlation -0.002 at 2e-3. Heavy: 150 steps of the 2-pixel-cell IMFE took
/// 34 minutes on the shared two-core machine under a load average near 30 (no unloaded time was measured).</remarks>
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
