using System.Globalization;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Har;
using Dataflow.Kernels.Har;

namespace Dataflow.Actors.Har;

/// <summary>Trains a har model on the first node's stage (training is one sequential optimisation) and sends the model
/// file to the client as output stream <see cref="ModelStream"/>.</summary>
public sealed class HarTrainDriver : JobDriver
{
    /// <summary>The output stream carrying the model file.</summary>
    public const string ModelStream = "har-model";

    private readonly HarTrainJobSpec _job;
    private long _done;

    /// <summary>Creates the driver.</summary>
    public HarTrainDriver(JobStart start) : base(start)
    {
        _job = Workload.Decode<HarTrainJobSpec>(Spec);
        Receive<HarTrainProgress>(p =>
        {
            if (p.Generation != Generation)
            {
                return;
            }
            _done = p.Phase switch { "imfe" => _job.RecogniserSteps + p.Step, "recogniser" => p.Step, _ => 0 };
            ArmStepTimeout();
            Progress(_done, Total, new Dictionary<string, double> { ["loss"] = p.Loss },
                string.Create(CultureInfo.InvariantCulture, $"{p.Phase} step {p.Step}/{p.Steps}"));
        });
        Receive<HarTrained>(t =>
        {
            if (t.Generation != Generation)
            {
                return;
            }
            var r = t.Report;
            Output(ModelStream, t.Model);
            Complete(new HarTrainResult("har-train", SyntheticActionVideo.Classes.ToArray(), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                t.Model.Length, HarTrainInputs.Of(_job)));
        });
    }

    private long Total => _job.RecogniserSteps + _job.ImfeSteps;

    /// <inheritdoc />
    protected override (long Done, long Total) Position => (_done, Total);

    /// <inheritdoc />
    protected override void OnPlaced() => Issue();

    /// <inheritdoc />
    protected override void OnRestart() => Issue();

    private void Issue()
    {
        NewGeneration();
        _done = 0;
        Agent(0).Tell(new HarTrainWork(JobId, Generation));
        ArmStepTimeout();
    }
}

/// <summary>Trains when asked, reporting progress to the driver as it goes.</summary>
public sealed class HarTrainStage : ReceiveActor
{
    /// <summary>Creates the stage.</summary>
    public HarTrainStage(JobSpec spec)
    {
        var job = Workload.Decode<HarTrainJobSpec>(spec);
        Receive<HarTrainWork>(w =>
        {
            var driver = Sender;
            var (model, report) = HarTrainer.Train(job.ToSettings(),
                (phase, step, steps, loss) => driver.Tell(new HarTrainProgress(w.Generation, phase, step, steps, loss)));
            using (model)
            {
                driver.Tell(new HarTrained(w.Generation, model.ToBytes(),
                [
                    report.RecogniserLossFirst, report.RecogniserLossLast, report.DistillLossFirst, report.DistillLossLast,
                    report.HeldOutDistillLoss, report.FeatureCorrelation, report.FlowAccuracy, report.ImfeAccuracy,
                ]));
            }
        });
    }
}
