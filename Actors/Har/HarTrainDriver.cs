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
            _done = p.Phase switch { "imfe" => p.Step, "recogniser" => _job.ImfeSteps + p.Step, _ => 0 };
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

/// <summary>Trains when asked, on a thread the stage owns, reporting progress to the driver as it goes; a newer request
/// (the job restarted after a step timeout) cancels the training under way and replaces it, and stopping the stage
/// cancels it.</summary>
/// <remarks>Training is minutes of libtorch work: run in the message handler it would keep the mailbox shut, so that a
/// restart's request waited behind the training it should replace, and a stopped job trained on. The training runs
/// synchronously on one long-running thread (TorchSharp's dispose scopes are thread-static) and checks its cancellation
/// before every optimiser step; one training runs at a time, the next starting when the one it replaces has stopped.
/// A training that throws is re-thrown in the actor, whose supervisor restarts it (the driver's step timeout then
/// restarts the job).</remarks>
public sealed class HarTrainStage : ReceiveActor
{
    private readonly HarTrainSettings _settings;
    private CancellationTokenSource? _cancellation;
    private Task _running = Task.CompletedTask;
    private int _generation = -1;

    /// <summary>Creates the stage.</summary>
    public HarTrainStage(JobSpec spec)
    {
        _settings = Workload.Decode<HarTrainJobSpec>(spec).ToSettings();
        Receive<HarTrainWork>(Start);
        Receive<TrainingFailed>(f =>
        {
            if (f.Generation == _generation)
            {
                throw new InvalidOperationException($"har-train failed: {f.Error.Message}", f.Error);
            }
        });
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _cancellation?.Cancel();
        base.PostStop();
    }

    private void Start(HarTrainWork work)
    {
        if (work.Generation <= _generation)
        {
            return;
        }
        _generation = work.Generation;
        _cancellation?.Cancel();
        var cancellation = new CancellationTokenSource();
        _cancellation = cancellation;
        var (driver, self, settings, generation) = (Sender, Self, _settings, work.Generation);
        _running = _running.ContinueWith(_ => Train(settings, generation, driver, self, cancellation.Token),
            CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
    }

    private static void Train(HarTrainSettings settings, int generation, IActorRef driver, IActorRef self, CancellationToken cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return;
        }
        try
        {
            var (model, report) = HarTrainer.Train(settings,
                (phase, step, steps, loss) => driver.Tell(new HarTrainProgress(generation, phase, step, steps, loss)), cancellation);
            using (model)
            {
                driver.Tell(new HarTrained(generation, model.ToBytes(),
                [
                    report.RecogniserLossFirst, report.RecogniserLossLast, report.DistillLossFirst, report.DistillLossLast,
                    report.HeldOutDistillLoss, report.FeatureCorrelation, report.FlowAccuracy, report.ImfeAccuracy,
                ]));
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Replaced by a newer request, or the stage stopped.
        }
        catch (Exception e)
        {
            self.Tell(new TrainingFailed(generation, e));
        }
    }

    private sealed record TrainingFailed(int Generation, Exception Error);
}
