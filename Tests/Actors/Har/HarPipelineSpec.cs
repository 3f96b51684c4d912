using Dataflow.Har;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Actors.Har;

/// <summary>The har pipeline on an embedded cluster: frames flow source -> features -> recogniser -> sink with bounded
/// queues; a slow sink makes a paced source drop frames (counted) instead of letting latency grow; a crashed stage is
/// restarted and the stream goes on, the frame it lost counted; the recognised actions match the labels.</summary>
public sealed class HarPipelineSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task A_slow_sink_bounds_the_queues_and_the_source_drops_frames_it_cannot_send()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        // The sink takes 100 ms a frame (10 fps) while the camera captures 30 fps.
        var job = Job.Har().CameraSim(fps: 30).Features("flow").Resolution(96, 128).Frames(75).SinkDelay(100).Build();
        var r = (await cluster.RunAsync(job)).As<HarResult>();
        output.WriteLine(r.ToJson());
        Assert.True(r.DroppedFrames >= 20, $"only {r.DroppedFrames} frames dropped");
        Assert.Equal(75, r.Frames + r.DroppedFrames + r.LostFrames);
        Assert.Equal(0, r.LostFrames);
        Assert.All(r.Stages, s => Assert.InRange(s.MaxQueueLength, 0, 2));
        // With 2 credits per stage a frame waits behind at most a few sink periods, never behind the whole backlog
        // (75 frames at 30 fps into a 10 fps sink would otherwise queue for up to 5 s).
        Assert.InRange(r.LatencyP99Ms, 0, 3000);
        Assert.InRange(r.Stages.Single(s => s.Role == "sink").Items, 1, r.Frames);
    }

    [Fact]
    public async Task A_crashed_features_stage_is_restarted_and_the_stream_goes_on()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var job = Job.Har().Synthetic().Features("flow").Resolution(96, 128).Frames(60).CrashFeaturesAt(20).Build();
        var r = (await cluster.RunAsync(job)).As<HarResult>();
        output.WriteLine(r.ToJson());
        Assert.Equal(1, r.StageRestarts);
        Assert.Equal(1, r.Stages.Single(s => s.Role == "features").Restarts);
        Assert.True(r.LostFrames >= 1, "the frame being processed when the stage crashed is lost");
        Assert.Equal(60, r.Frames + r.DroppedFrames + r.LostFrames);
        // An unpaced source sends only against credit, which the restart keeps; the restarted stage's fresh window may
        // overlap a frame or two already in flight.
        Assert.InRange(r.DroppedFrames, 0, 3);
        Assert.True(r.Frames >= 55, $"{r.Frames} frames came out");
        Assert.True(r.Recognised > 0);
    }

    [Fact]
    public async Task The_flow_pipeline_recognises_the_synthetic_stream_far_above_chance()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var r = (await cluster.RunAsync(Job.Har().Synthetic().Features("flow").Resolution(96, 128).Frames(160).Seed(9).Build())).As<HarResult>();
        output.WriteLine($"flow: accuracy {r.Accuracy:P1}, {r.Fps:F1} fps, p99 {r.LatencyP99Ms:F1} ms");
        Assert.Equal(160, r.Frames);
        Assert.Equal(0, r.DroppedFrames);
        // The first 8 frames fill the window; windows across a change of action (every 64 frames) may disagree.
        Assert.Equal(152, r.Recognised);
        Assert.True(r.Accuracy > 0.6, $"accuracy {r.Accuracy:P1} (chance 16.7 %)");
    }
}
