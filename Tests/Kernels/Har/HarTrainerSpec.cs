using Dataflow.Kernels.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>The recogniser learns the synthetic actions from optical-flow features and recognises held-out clips far
/// above chance; a saved model reads back with the same outputs, and a truncated one is an error naming it.</summary>
/// <remarks>IMFE's distillation is run (a few steps) but not asserted here: <see cref="ImfeDistillationSpec"/> does.</remarks>
public sealed class HarTrainerSpec(ITestOutputHelper output)
{
    private static readonly Lazy<(HarModel Model, HarTrainReport Report)> s_trained = new(() => HarTrainer.Train(new HarTrainSettings
    {
        TrainClips = 90,
        TestClips = 48,
        RecogniserSteps = 150,
        ImfeSteps = 10,
        Batch = 16,
        Seed = 4,
        // The recogniser on flow features alone: a 10-step IMFE's features would only blur what is asserted here.
        ImfeShare = 0,
    }));

    [Fact]
    public void The_recogniser_learns_flow_features_and_recognises_held_out_clips_far_above_chance()
    {
        var report = s_trained.Value.Report;
        output.WriteLine(report.ToString());
        var chance = 1.0 / SyntheticActionVideo.Classes.Count;
        Assert.True(report.RecogniserLossLast < 0.5 * report.RecogniserLossFirst,
            $"recogniser loss {report.RecogniserLossFirst:F3} -> {report.RecogniserLossLast:F3}");
        Assert.True(report.FlowAccuracy > chance + 0.4, $"flow accuracy {report.FlowAccuracy:P1} (chance {chance:P1})");
    }

    [Fact]
    public void A_saved_model_reads_back_with_the_same_outputs_and_a_truncated_one_is_named()
    {
        var model = s_trained.Value.Model;
        var clips = HarClips.Generate(6, seed: 99);
        var bytes = model.ToBytes();
        using var copy = HarModel.FromBytes(bytes, "model.har");
        Assert.Equal(model.Classes, copy.Classes);
        var a = HarTrainer.ImfeFeatures(model.Imfe, clips);
        var b = HarTrainer.ImfeFeatures(copy.Imfe, clips);
        Assert.Equal(a, b);
        Assert.Equal(HarTrainer.Accuracy(model.Recogniser, clips.Features, clips.Labels),
            HarTrainer.Accuracy(copy.Recogniser, clips.Features, clips.Labels));
        var e = Assert.Throws<InvalidDataException>(() => HarModel.FromBytes(bytes[..(bytes.Length / 2)], "cut.har"));
        Assert.Contains("cut.har", e.Message);
    }
}
