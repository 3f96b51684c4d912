using System.Globalization;
using Dataflow.Actors.Har;
using Dataflow.Actors.Runtime;
using Dataflow.Har;

namespace Dataflow.Host;

/// <summary><c>dataflow run har-train</c>: distils IMFE from optical-flow features and trains the har recogniser on both.</summary>
internal sealed partial class HarTrainCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run har-train [--out FILE] [--train-clips N] [--test-clips N] [--recogniser-steps S]
                                      [--imfe-steps S] [--batch B] [--lr RATE] [--seed K] [--threads T]
                                      [--plot FILE.png|svg] [--cluster HOST:PORT] [--json FILE] [--quiet]

        Renders labelled synthetic action clips, distils IMFE from their Farneback optical-flow features (MSE on
        the feature maps), trains the recogniser on both feature kinds (half of each batch IMFE's), and reports the
        held-out accuracy with each feature kind. The model file is what 'dataflow run har --model' reads.

          --out FILE            where to write the model (default har-model.bin)
          --train-clips N       training clips (default 360)
          --test-clips N        held-out clips, from another seed (default 120)
          --recogniser-steps S  Adam steps of the recogniser (default 1200)
          --imfe-steps S        Adam steps of the distillation (default 500)
          --batch B             clips or frame pairs per step (default 32)
          --lr RATE             learning rate (default 1e-3)
          --seed K              seed of data, weights and batches (default 1)
          --threads T           libtorch threads (default 1)
          --plot FILE           PNG or SVG of the recogniser's and the distillation's loss at every step

        example: dataflow run har-train --out har-model.bin --json train.json
        """;

    /// <inheritdoc />
    public override string Verb => "har-train";

    /// <inheritdoc />
    public override string Summary => "trains the har recogniser and distils IMFE from optical-flow features";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["out", "train-clips", "test-clips", "recogniser-steps", "imfe-steps", "batch", "lr", "seed", "threads"];

    /// <inheritdoc />
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o) => [new OutputPath("out", o.String("out") ?? "har-model.bin")];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        try
        {
            return Job.HarTrain()
                .Settings(s => s with
                {
                    TrainClips = o.Int("train-clips", s.TrainClips),
                    TestClips = o.Int("test-clips", s.TestClips),
                    RecogniserSteps = o.Int("recogniser-steps", s.RecogniserSteps),
                    ImfeSteps = o.Int("imfe-steps", s.ImfeSteps),
                    Batch = o.Int("batch", s.Batch),
                    LearningRate = o.Double("lr", s.LearningRate),
                    Threads = o.Int("threads", s.Threads),
                })
                .Seed(o.Long("seed", 1))
                .Output(o.String("out") ?? "har-model.bin")
                .Build();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid har-train job: {e.Message}");
        }
    }

    /// <inheritdoc />
    public override Action<JobOutput>? Output(ParsedOptions o)
    {
        var path = o.String("out") ?? "har-model.bin";
        return output =>
        {
            if (output.Stream == HarTrainDriver.ModelStream)
            {
                File.WriteAllBytes(path, output.Data);
            }
        };
    }

    /// <inheritdoc />
    public override string ProgressLine(JobProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Note}  loss {p.Metrics.GetValueOrDefault("loss", double.NaN):F4}");

    /// <inheritdoc />
    public override void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output)
    {
        var r = result.As<HarTrainResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload              har-train ({r.Inputs.TrainClips} training clips, {r.Inputs.TestClips} held out, {r.Classes.Length} actions)
            recogniser loss       {r.RecogniserLossFirst:F4} -> {r.RecogniserLossLast:F4}
            distillation MSE      {r.DistillLossFirst:F4} -> {r.DistillLossLast:F4} (held out {r.HeldOutDistillLoss:F4})
            feature correlation   {r.FeatureCorrelation:F3}
            held-out accuracy     flow {r.FlowAccuracy:P1}, IMFE {r.ImfeAccuracy:P1} (chance {1.0 / r.Classes.Length:P1})
            model                 {options?.String("out") ?? "har-model.bin"} ({r.ModelBytes} bytes)
            seconds               {r.Seconds:F2}
            """));
    }
}
