using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Har;
using MessagePack;

namespace Dataflow.Actors.Har;

/// <summary>The <c>har-train</c> job's spec (the fields of <see cref="HarTrainSettings"/>).</summary>
[MessagePackObject]
public sealed record HarTrainJobSpec(
    [property: Key(0)] int TrainClips,
    [property: Key(1)] int TestClips,
    [property: Key(2)] int RecogniserSteps,
    [property: Key(3)] int ImfeSteps,
    [property: Key(4)] int Batch,
    [property: Key(5)] double LearningRate,
    [property: Key(6)] long Seed,
    [property: Key(7)] int Threads)
{
    /// <summary>The spec of <paramref name="s"/>.</summary>
    public static HarTrainJobSpec Of(HarTrainSettings s) =>
        new(s.TrainClips, s.TestClips, s.RecogniserSteps, s.ImfeSteps, s.Batch, s.LearningRate, s.Seed, s.Threads);

    /// <summary>The kernel settings.</summary>
    public HarTrainSettings ToSettings() => new()
    {
        TrainClips = TrainClips,
        TestClips = TestClips,
        RecogniserSteps = RecogniserSteps,
        ImfeSteps = ImfeSteps,
        Batch = Batch,
        LearningRate = LearningRate,
        Seed = Seed,
        Threads = Threads,
    };
}

/// <summary>Driver to the stage of the first node: train the model.</summary>
[MessagePackObject]
public sealed record HarTrainWork([property: Key(0)] string JobId, [property: Key(1)] int Generation) : IStageMessage;

/// <summary>Stage to driver while it trains: a phase's step and loss.</summary>
[MessagePackObject]
public sealed record HarTrainProgress(
    [property: Key(0)] int Generation,
    [property: Key(1)] string Phase,
    [property: Key(2)] int Step,
    [property: Key(3)] int Steps,
    [property: Key(4)] double Loss) : IDataflowMessage;

/// <summary>Stage to driver: the trained model's bytes and what training measured.</summary>
[MessagePackObject]
public sealed record HarTrained(
    [property: Key(0)] int Generation,
    [property: Key(1)] byte[] Model,
    [property: Key(2)] double[] Report) : IDataflowMessage;
